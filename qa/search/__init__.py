"""Search: a question -> every clause's signals -> one fused ranking (`retriever`), with the learned
query adapter (`adapter`), the query expansion (`expansion`) and the pure ranking math (`fusion`)."""
