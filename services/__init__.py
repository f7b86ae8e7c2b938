"""Service functions of the platform: the work behind pages and commands, each done in a
unit of work (:class:`db.uow.UnitOfWork`) that its caller opens and commits."""
