"""Server groups (``/v1/server_groups``): placement policies over failure domains.

A group's policy (affinity, anti-affinity and their soft variants) applies
at a scope, a failure-domain level; anti-affinity allows ``max_per_domain``
members per domain. Rules and the members' domains exist from
microversion 1.2 on; the scopes of composed servers (``composition_zone``,
``chassis``) from 1.8.
"""

from mogan_cli.v1 import base

RULES_VERSION = "1.2"
COMPOSED_SCOPES = ("composition_zone", "chassis")
COMPOSED_SCOPES_VERSION = "1.8"
POLICIES = ("affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity")


class ServerGroupManager(base.CollectionManager):
    """Create, list, show and delete server groups."""

    collection = "server_groups"
    noun = "server group"

    def _wanted(self) -> str | None:
        """1.2 (rules, member domains) unless the caller chose a version."""
        return None if self.api.api_version else RULES_VERSION

    def list(
        self,
        *,
        all_projects: bool = False,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> list[base.Resource]:
        """The caller's project's groups (every project's with ``all_projects``).

        The API answers with every group at once and takes no paging or
        sorting: ``limit`` and ``marker`` apply here, sorting is not offered.

        Raises:
            ValueError: ``sort_key`` or ``sort_dir`` was given.
        """
        if sort_key is not None or sort_dir is not None:
            msg = "server groups cannot be sorted"
            raise ValueError(msg)
        query: base.Query = {"all_tenants": "true" if all_projects else None}
        response = self.api.request(
            "GET", "/v1/server_groups", params=query, min_version=self._wanted()
        )
        groups = list(response.json()["server_groups"])
        return base.window(groups, limit=limit, marker=marker)

    def get(self, item_uuid: str) -> base.Resource:
        """One server group by UUID."""
        response = self.api.request(
            "GET", f"/v1/server_groups/{item_uuid}", min_version=self._wanted()
        )
        return dict(response.json())

    def create(
        self,
        name: str,
        policy: str,
        *,
        scope: str | None = None,
        max_per_domain: int | None = None,
    ) -> base.Resource:
        """Create a group; rules need (and send) microversion 1.2.

        A scope of composed servers (:data:`COMPOSED_SCOPES`) needs (and
        sends) 1.8.

        Args:
            name: the group name.
            policy: one of :data:`POLICIES`.
            scope: the failure-domain level the policy applies at
                (server default: ``affinity_zone``).
            max_per_domain: members allowed per domain (anti-affinity only;
                server default: 1).

        Raises:
            CommandError: rules were given with an API version older than
                they need.
        """
        body: base.Resource = {"name": name, "policies": [policy]}
        rules: base.Resource = {}
        if scope is not None:
            rules["scope"] = scope
        if max_per_domain is not None:
            rules["max_per_domain"] = max_per_domain
        min_version = self._wanted()
        if rules:
            body["rules"] = rules
            min_version = (
                COMPOSED_SCOPES_VERSION if scope in COMPOSED_SCOPES else RULES_VERSION
            )
        return dict(self.api.post("/v1/server_groups", body, min_version=min_version))
