"""Service functions of the platform: the work behind pages and commands, each given a
unit of work (:class:`db.uow.UnitOfWork`) to do it in, so that it commits or rolls back
as one transaction."""
