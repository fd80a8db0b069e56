"""The engine's dependencies built from configuration (driver, Placement ...).

The driver's node store (``engine.node_store.attach``) is wired here too.

Both the engine service and the RPC manager (which builds them on first use
when served alone) need ``build_deps``; it lives here so neither imports the
other.
"""

from oslo_config import cfg

from mogan import image, network, placement
from mogan.db import session as db_session
from mogan.drivers import base as driver_base
from mogan.drivers import loader
from mogan.drivers import store as driver_store
from mogan.engine import node_store, notifications, workflow
from mogan.scheduler import rpcapi as scheduler_rpcapi


def build_deps(
    conf: cfg.ConfigOpts,
    db: db_session.Database,
    driver: driver_base.Driver | None = None,
    media: driver_store.MediaStore | None = None,
) -> workflow.Deps:
    """The engine's dependencies from configuration.

    A driver keeping its nodes in Mogan (``Driver.needs_store``) gets its
    ``DbNodeStore`` (and ``media``, the deploy media the engine serves)
    here, right after it is built: ``mogan-engine``, the all-in-one and an
    RPC manager served alone all build the driver here.
    """
    driver = driver or loader.from_conf(conf)
    node_store.attach(driver, db, conf, media)
    return workflow.Deps(
        conf=conf,
        db=db,
        host=conf.host,
        driver=driver,
        placement=placement.get_client(conf),
        network=network.get_backend(conf),
        image=image.get_backend(conf),
        scheduler=scheduler_rpcapi.SchedulerAPI(conf),
        notifier=notifications.make_notifier(conf, conf.host),
    )
