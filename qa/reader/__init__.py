"""The reader: a second stage that reads the question together with each top clause (a cross-encoder,
`model`), on passages cut around the clause's best sentence (`passages`), and judges from its scores
and the search's which clause answers and whether the policy answers at all (`judge`)."""
