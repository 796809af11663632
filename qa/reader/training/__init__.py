"""Training the reader (needs torch; answering does not): the pipeline's rankings of training questions
(`candidates`) -> groups of (question, passage) pairs with labels (`data`) -> a cross-encoder from the
embedding model's bottom layers (`network`) trained with a pointwise and a listwise loss (`schedule`,
`loop`) -> ONNX, int8, and the sidecar that says where it came from (`export`, `sidecar`).
`scripts/train_reader.py` runs it all."""
