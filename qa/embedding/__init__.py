"""Embedding: texts -> unit vectors and contextual word vectors, behind the `Embedder` protocol (`base`);
the same model run by sentence-transformers (`torch_model`) or onnxruntime (`onnx_model`, exported by `onnx_export`)."""
