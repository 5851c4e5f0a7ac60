"""The analysts' workbench (issue 12): drafts of a process bundle checked on every save,
proposals that a second person approves (deploying them) or sends back, roll-backs, and the
library of every process's versions. Only ``storage`` holds SQL; deploying is the runtime's."""
