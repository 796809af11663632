"""The policy library: the shipped policy and added ones, their names and files (`names`), adding and
removing a policy (`files`)."""
