"""Storage: one folder per policy with its FAISS vectors (`vectors`), records and manifest (`records`,
`manifest`), written atomically (`atomic`) and built from a parsed policy (`build`); BM25 over its text (`lexical`)."""
