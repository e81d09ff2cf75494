"""OSWorld's task files, run on our desktop and scored the way OSWorld scores them.

loader (a task file as a Task, or the reasons it is skipped), index (test_all.json and
`--list`), conventions (what the VM takes for granted), cache (downloads), runtime (OSWorld's
setup steps), getters, metrics and tables (its evaluators), scoring (its evaluate), overlay
(our reference solutions for its tasks).
"""
