"""Evaluation: question sets (`questions`) and PolicyQA files (`policyqa_file`) -> outcomes and metrics
(`metrics`, `question_report`, `benchmark`) -> report.json and a chart (`report`); `run` is `policyqa eval`."""
