"""The Glance image backend (``[image] backend = glance``).

Who may use an image is Glance's to say. A caller that came with a
Keystone token (``auth_strategy = keystone``) reads the image *with that
token*: Glance's own visibility, membership and policy rules apply, and a
tenant sees exactly the images Glance shows it — its own private images,
public and community ones, and images shared with its project. For shared
images Mogan asks one thing more: that the project *accepted* the share
(Glance itself lets a pending member read the image by id, but lists only
accepted ones; a pending or rejected share is "not found" here, as it is
absent from the tenant's image list).

Processes acting for themselves (the engine deploying, the API serving a
temporary URL) have no user token: they read as the ``[glance]`` service
user, which must see every project's images (``admin`` in Glance). Under
``noauth`` or ``http_basic`` no token was validated (one a client sends
is ignored): callers who are not admins get the same rules applied by
Mogan from the service user's reading: owner, public, community, or an
accepted member.

What drivers get (``ImageInfo``): ``glance_id`` (an Ironic configured with
the same Glance takes the id), a checksum ``<os_hash_algo>:<os_hash_value>``
(``md5:<checksum>`` for images Glance hashed before ``os_hash``), and a
``url`` that needs no credentials: a temporary URL of Mogan's
(``mogan.image.temp_url``) when ``[deploy_media] base_url`` is set, else
Glance's own download URL (which needs a token; fine for Ironic with
Glance). A partition image's kernel and ramdisk (``kernel_id`` and
``ramdisk_id`` properties) get temporary URLs too.
"""

from typing import Any

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from mogan import context as mogan_context
from mogan import crypto, exception
from mogan.image import base, glance_client, temp_url

PUBLIC_TO_ALL = {"public", "community"}
SHARED = "shared"
ACCEPTED = "accepted"


def checksum(image: dict[str, Any]) -> str | None:
    """The checksum drivers get: ``<algo>:<hex>``, the strongest Glance has."""
    algo, value = image.get("os_hash_algo"), image.get("os_hash_value")
    if algo and value:
        return f"{str(algo).lower()}:{value}"
    if image.get("checksum"):
        return f"md5:{image['checksum']}"
    return None


class GlanceImageBackend(base.ImageBackend):
    """Images from Glance, as the caller's token (or the service user) sees them."""

    def __init__(
        self,
        client: glance_client.GlanceClient,
        sealer: crypto.Sealer,
        base_url: str | None,
        temp_url_ttl: float,
        user_tokens: bool = True,
    ) -> None:
        """Read through ``client``; temporary URLs on ``base_url`` (None: none).

        ``user_tokens``: send callers' tokens to Glance (``auth_strategy =
        keystone``, where keystonemiddleware validated them). Otherwise an
        ``X-Auth-Token`` a client sent was checked by nobody and says
        nothing of the identity Mogan authenticated: it is ignored.
        """
        self.client = client
        self.sealer = sealer
        self.base_url = base_url
        self.temp_url_ttl = temp_url_ttl
        self.user_tokens = user_tokens

    def get(self, ctx: mogan_context.RequestContext, image_uuid: str) -> base.ImageInfo:
        """The image if Glance shows it to the caller (see the module's docstring).

        Raises:
            ImageNotFound: Glance does not show it, or a share the caller's
                project has not accepted.
            ImageServiceUnavailable: Glance cannot answer.
        """
        token = ctx.auth_token if self.user_tokens else None
        image = self.client.show(image_uuid, token=token)
        if not self._visible(ctx, image, token):
            raise exception.ImageNotFound(image=image_uuid)
        return self.info(image)

    def _visible(
        self,
        ctx: mogan_context.RequestContext,
        image: dict[str, Any],
        token: str | None,
    ) -> bool:
        """Whether the caller may use ``image`` beyond what Glance answered."""
        if ctx.is_admin:
            return True
        visibility = image.get("visibility")
        project = ctx.project_id
        if project is not None and image.get("owner") == project:
            return True
        if visibility == SHARED:
            if project is None:
                return False
            status = self.client.member_status(image["id"], project, token=token)
            return status == ACCEPTED
        # NOTE: with a token Glance already refused what is not the caller's,
        # public or community; without one Mogan applies the same rule.
        return token is not None or visibility in PUBLIC_TO_ALL

    def url(self, image_id: str) -> str:
        """The URL a driver fetches ``image_id`` from (see the module)."""
        if self.base_url:
            return temp_url.mint(
                self.sealer, self.base_url, image_id, self.temp_url_ttl
            )
        return self.client.download_url(image_id)

    def info(self, image: dict[str, Any]) -> base.ImageInfo:
        """The backend-neutral view of a Glance image record."""
        image_id = str(image["id"])
        kernel, ramdisk = image.get("kernel_id"), image.get("ramdisk_id")
        return base.ImageInfo(
            uuid=image_id,
            name=str(image.get("name") or image_id),
            url=self.url(image_id),
            checksum=checksum(image),
            disk_format=str(image.get("disk_format") or "raw"),
            kernel_url=self.url(str(kernel)) if kernel else None,
            ramdisk_url=self.url(str(ramdisk)) if ramdisk else None,
            size=image.get("size"),
            min_disk=int(image.get("min_disk") or 0),
            status=str(image.get("status") or ""),
            visibility=str(image.get("visibility") or ""),
            owner=image.get("owner"),
            glance_id=image_id,
        )

    def deployable(self, image_id: str) -> dict[str, Any]:
        """The image record, as the service user, while it may be deployed.

        For serving a temporary URL: its holder needs no other authority.

        Raises:
            DeployImageNotFound: the image is gone.
            ImageUnusable: it is not active (deactivated since the URL was
                issued).
            ImageServiceUnavailable: Glance cannot answer.
        """
        try:
            image = self.client.show(image_id)
        except exception.ImageNotFound as err:
            raise exception.DeployImageNotFound from err
        if image.get("status") != "active":
            raise exception.ImageUnusable(
                image=exception.labelled(str(image.get("name") or ""), image_id),
                reason=f"its status is {image.get('status')}",
            )
        return image

    def download(self, image_id: str, byte_range: str | None) -> glance_client.Download:
        """Start reading the image's bytes (one ``Range`` or all) as the service user.

        Raises:
            DeployImageNotFound: the image is gone (deleted meanwhile).
            ImageServiceUnavailable: Glance cannot answer.
        """
        try:
            return self.client.download(image_id, byte_range)
        except exception.ImageNotFound as err:
            raise exception.DeployImageNotFound from err


def from_conf(conf: cfg.ConfigOpts) -> GlanceImageBackend:
    """The Glance backend ``[glance]`` and ``[deploy_media] base_url`` describe."""
    group = "glance"
    auth = ks_loading.load_auth_from_conf_options(conf, group)
    session = ks_loading.load_session_from_conf_options(conf, group, auth=auth)
    adapter = ks_loading.load_adapter_from_conf_options(
        conf, group, session=session, auth=auth, service_type="image"
    )
    return GlanceImageBackend(
        glance_client.GlanceClient(adapter),
        crypto.Sealer.from_conf(conf),
        conf.deploy_media.base_url,
        float(conf.glance.temp_url_ttl),
        user_tokens=conf.api.auth_strategy == "keystone",
    )
