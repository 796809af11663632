"""Reading a policy document: HTML, Markdown, plain text or PDF -> blocks -> sections and clauses
(`documents`), clauses -> sentences (`sentences`), and the defined terms and cross-references in them (`terms`)."""
