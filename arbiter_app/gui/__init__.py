"""The desktop GUI: Qt widgets, item models and the background-task runner only."""
