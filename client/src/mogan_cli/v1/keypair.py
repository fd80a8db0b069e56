"""Keypairs (``/v1/keypairs``): always one user's, the caller's by default."""

from mogan_cli.v1 import base


class KeypairManager(base.Manager):
    """Import, generate, list, show and delete keypairs."""

    def list(
        self,
        *,
        user_id: str | None = None,
        limit: int | None = None,
        marker: str | None = None,
    ) -> list[base.Resource]:
        """A user's keypairs, all pages; naming another user needs the admin role."""

        def fetch(page: base.Query) -> list[base.Resource]:
            query: base.Query = {"user_id": user_id, **page}
            return list(self.api.get("/v1/keypairs", query)["keypairs"])

        return base.paginate(fetch, limit=limit, marker=marker, marker_key="name")

    def get(self, name: str, *, user_id: str | None = None) -> base.Resource:
        """One keypair by name."""
        return dict(self.api.get(f"/v1/keypairs/{name}", {"user_id": user_id}))

    def create(
        self,
        name: str,
        *,
        public_key: str | None = None,
        key_type: str = "ssh",
        user_id: str | None = None,
    ) -> base.Resource:
        """Import ``public_key``, or generate a keypair when it is ``None``.

        A generated keypair's answer carries ``private_key``, the only time
        the server ever returns it.
        """
        body: base.Resource = {"name": name, "type": key_type}
        if public_key is not None:
            body["public_key"] = public_key
        if user_id is not None:
            body["user_id"] = user_id
        return dict(self.api.post("/v1/keypairs", body))

    def delete(self, name: str, *, user_id: str | None = None) -> None:
        """Delete a keypair."""
        self.api.delete(f"/v1/keypairs/{name}", {"user_id": user_id})
