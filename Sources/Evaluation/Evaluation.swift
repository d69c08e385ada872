// Evaluation module: see ../shared/design/architecture.md for its role.
