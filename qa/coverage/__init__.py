"""Coverage: whether the policy says anything about what the question asks (`decision`), from the
word check (`words`) and the asked-for check (`asked_for`)."""
