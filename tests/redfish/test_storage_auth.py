"""The emulator through sushy: RAID volumes, credentials, sessions, TLS, 5xx."""

import pytest
import requests
import sushy
from sushy import auth as sushy_auth

from tests.redfish import specs

pytestmark = pytest.mark.services


def controller(redfish, system_spec=None):
    """The first storage controller of ``bmc-0`` (or of ``system_spec``)."""
    [first] = redfish.reset(systems=[system_spec or specs.system("bmc-0", drives=4)])
    system = redfish.sushy().get_system(first.path)
    return system, system.storage.get_members()[0]


def drive_links(storage, count):
    """References to the first ``count`` drives of ``storage``."""
    return [{"@odata.id": path} for path in sorted(storage.drives_identities)[:count]]


def test_create_and_delete_a_raid_volume(redfish):
    """RAID1 over two drives: 201, level and drives kept; delete frees them."""
    _system, storage = controller(redfish)
    assert len(storage.drives) == 4
    assert sushy.RAIDType.RAID1 in storage.storage_controllers[0].raid_types
    volume = storage.volumes.create(
        {
            "Name": "root",
            "RAIDType": "RAID1",
            "Links": {"Drives": drive_links(storage, 2)},
        }
    )
    assert volume.raid_type == sushy.RAIDType.RAID1
    assert volume.name == "root"
    assert volume.capacity_bytes == 480 * specs.GB
    assert [d["@odata.id"] for d in volume.json["Links"]["Drives"]] == sorted(
        storage.drives_identities
    )[:2]
    storage.volumes.refresh()
    assert storage.volumes.members_identities == (volume.path,)
    volume.delete()
    storage.volumes.refresh()
    assert storage.volumes.members_identities == ()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"RAIDType": "RAID5", "drives": 3}, 400),  # not supported by the controller
        ({"RAIDType": "RAID10", "drives": 3}, 400),  # too few drives
        ({"RAIDType": "RAID0", "drives": 2, "CapacityBytes": 10**15}, 400),
        ({"RAIDType": "RAID0", "drives": 0}, 400),
    ],
)
def test_volume_requests_the_controller_cannot_build(redfish, body, status):
    """Unsupported levels, too few drives, too much capacity: 400."""
    _system, storage = controller(redfish)
    payload = {k: v for k, v in body.items() if k != "drives"}
    payload["Links"] = {"Drives": drive_links(storage, body["drives"])}
    with pytest.raises(sushy.exceptions.HTTPError) as raised:
        storage.volumes.create(payload)
    assert raised.value.status_code == status


def test_drives_in_use_and_scripted_volume_failure(redfish):
    """A drive already in a volume: 409; a scripted failure: 500."""
    _system, storage = controller(redfish)
    links = drive_links(storage, 2)
    storage.volumes.create({"RAIDType": "RAID0", "Links": {"Drives": links[:1]}})
    with pytest.raises(sushy.exceptions.HTTPError) as raised:
        storage.volumes.create({"RAIDType": "RAID1", "Links": {"Drives": links}})
    assert raised.value.status_code == 409
    redfish.fail("volume.create", message="controller busy")
    with pytest.raises(sushy.exceptions.ServerSideError, match="controller busy"):
        storage.volumes.create({"RAIDType": "RAID0", "Links": {"Drives": links[1:]}})


def test_credentials_are_required(redfish):
    """No or wrong credentials: 401; the service root needs none."""
    with redfish.http() as http:
        assert http.get("/redfish/v1/Systems").status_code == 200
        assert http.get("/redfish/v1/Systems", auth=None).status_code == 401
        wrong = http.get("/redfish/v1/Systems", auth=(redfish.username, "nope"))
        assert wrong.status_code == 401
        assert http.get("/redfish/v1/", auth=None).status_code == 200
    with pytest.raises(sushy.exceptions.AccessError):
        redfish.sushy(password="nope").get_system_collection()


def test_one_session_is_reused_and_renewed(redfish):
    """Sushy logs in once and reuses its token; after expiry it logs in again."""
    [first, _] = redfish.reset()
    root = redfish.sushy()
    for _ in range(3):
        root.get_system(first.path)
    logins = [r for r in redfish.requests() if r["auth"] == "login"]
    assert len(logins) == 1
    assert {r["auth"] for r in redfish.requests()} <= {"none", "login", "session"}
    redfish.expire_sessions()
    root.get_system(first.path)
    assert [r["auth"] for r in redfish.requests()].count("login") == 2


def test_basic_auth_works_too(redfish):
    """With sushy's BasicAuth every request carries the credentials."""
    [first, _] = redfish.reset()
    root = redfish.sushy(
        auth=sushy_auth.BasicAuth(username=redfish.username, password=redfish.password)
    )
    root.get_system(first.path)
    assert {r["auth"] for r in redfish.requests()} == {"none", "basic"}


def test_scripted_5xx_is_retried_once(redfish):
    """An ``http`` fault answering 503 once is absorbed by sushy's one retry."""
    [first, _] = redfish.reset()
    root = redfish.sushy()
    redfish.fail("http", method="GET", path=first.path, status=503, times=1)
    assert root.get_system(first.path).identity == first.uuid
    statuses = [r["status"] for r in redfish.requests() if r["path"] == first.path]
    assert statuses == [503, 200]
    redfish.fail("http", method="GET", path=first.path, status=503, times=None)
    with pytest.raises(sushy.exceptions.ServerSideError):
        root.get_system(first.path)


def test_tls_with_the_emulators_ca(redfish_tls):
    """Over HTTPS, verified against the emulator's CA; unverified: refused."""
    [first, _] = redfish_tls.reset()
    assert redfish_tls.url.startswith("https://")
    root = redfish_tls.sushy()
    assert root.get_system(first.path).identity == first.uuid
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{redfish_tls.url}/redfish/v1/", timeout=10)
    with pytest.raises(sushy.exceptions.ConnectionError):
        redfish_tls.sushy(verify=True)
