"""The jobs behind the commands, one module per stage of the year: each opens a session on the
configured warehouse, reads, calls the library, and writes.

The CLI, the Prefect tasks and the portal import the stage they use (`esgflow.jobs.setup`,
`collection`, `mailing`, `figures`, `signoff`, `access`; `common` holds what they share).
This is the only layer outside `warehouse/` that holds sessions; the library takes frames
and rows and returns them.
"""
