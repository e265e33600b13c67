"""`casework org create`, `user create`, `token create|list|revoke` (SPEC §4).

The interface as a user runs it, through the installed entry point in a subprocess against
a fresh SQLite database; then the same commands in-process on the test database (SQLite or
PostgreSQL) to check what they stored.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from casework.accounts.models import ApiToken, Contact, Organization
from casework.accounts.services import token_authenticate
from casework.policies.services import LoadResult
from tests.policies.conftest import PACKS

CASEWORK = Path(sys.executable).parent / "casework"
TOKEN = re.compile(r"cw_[A-Za-z0-9_-]{43}")


class Cli:
    """The `casework` command with its own var dir (and so its own SQLite database)."""

    def __init__(self, var_dir: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        self.env["CASEWORK_VAR_DIR"] = str(var_dir)
        # This checkout's code, not whichever one the console script was installed from.
        self.env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - the project's own console script
            [str(CASEWORK), *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """A migrated database with both packs, the organisation Acme and the contact carol."""
    run = Cli(tmp_path_factory.mktemp("var"))
    assert run("migrate", "-v0").returncode == 0
    for pack in ("liveops", "liveperson"):
        assert run("policy", "load", str(PACKS / f"{pack}.yaml")).returncode == 0
    assert run("org", "create", "Acme", "--policy", "liveops", "--plan", "standard").returncode == 0
    made = run(
        "user", "create", "carol", "--email", "c@acme.test", "--role", "contact", "--org", "Acme"
    )
    assert made.returncode == 0, made.stderr
    return run


def assert_fails(done: subprocess.CompletedProcess[str], *expected: str) -> None:
    """Exit status 1, nothing on stdout, one line on stderr saying ``expected``."""
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    for text in expected:
        assert text in done.stderr


# -- through the installed entry point -----------------------------------------------------------


def test_org_create_prints_only_the_new_id(cli: Cli) -> None:
    done = cli("org", "create", "Globex", "--policy", "liveperson", "--plan", "enhanced")
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"[0-9]+\n", done.stdout)


ON_STANDARD = ["--policy", "liveops", "--plan", "standard"]
ROLES = "contact, engineer, lead, manager, tam, csm, noc, pm, admin"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["Initech", "--policy", "nope", "--plan", "x"],
            ["--policy", "'nope'", "liveops, liveperson"],
        ),
        (["Initech", "--policy", "liveops", "--plan", "gold"], ["--plan", "'gold'", "white-glove"]),
        (["Acme", *ON_STANDARD], ["NAME", "already exists"]),
        (["Initech", *ON_STANDARD, "--time-zone", "Mars/Olympus"], ["--time-zone", "IANA"]),
        (["Initech", *ON_STANDARD, "--case-visibility", "all"], ["--case-visibility"]),
    ],
    ids=["unknown-policy", "unknown-plan", "duplicate-name", "bad-time-zone", "bad-visibility"],
)
def test_org_create_errors_are_one_line_and_exit_1(
    cli: Cli, args: list[str], expected: list[str]
) -> None:
    assert_fails(cli("org", "create", *args), *expected)


def test_user_create_makes_contacts_and_staff(cli: Cli) -> None:
    contact = cli("user", "create", "dave", "--email", "d@acme.test", "--role", "contact",
                  "--org", "Acme", "--contact-role", "administrator")  # fmt: skip
    assert contact.returncode == 0, contact.stderr
    assert re.fullmatch(r"[0-9]+\n", contact.stdout)
    for role in ("engineer", "lead", "manager", "tam", "csm", "noc", "pm", "admin"):
        done = cli("user", "create", f"staff-{role}", "--email", f"{role}@cw.test", "--role", role)
        assert done.returncode == 0, done.stderr
    tiered = cli(
        "user", "create", "l3", "--email", "l3@cw.test", "--role", "engineer", "--tier", "L3"
    )
    assert tiered.returncode == 0, tiered.stderr


@pytest.mark.rule("R43")
def test_user_create_gives_a_contact_a_caller_id_stored_normalised(acme: Organization) -> None:
    args = ["--email", "h@acme.test", "--role", "contact", "--org", acme.name, "--phone"]
    call_command("user", "create", "hank", *args, "+1 555 010-2000", stdout=io.StringIO())
    assert Contact.objects.get(user__username="hank").phone == "+15550102000"


def test_user_create_reads_the_password_from_stdin(cli: Cli) -> None:
    done = cli("user", "create", "erin", "--email", "e@cw.test", "--role", "manager",
               "--password-stdin", stdin="s3cret pass\n")  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (["--role", "contact"], None, ["--org", "contact needs the organization"]),
        (["--role", "contact", "--org", "Nowhere"], None, ["--org", "no organization 'Nowhere'"]),
        (["--role", "wizard"], None, ["--role", "'wizard'", ROLES]),
        (["--role", "engineer", "--tier", "L4"], None, ["--tier", "L1, L2, L3"]),
        (["--role", "engineer", "--org", "Acme"], None, ["--org", "staff role"]),
        (["--role", "contact", "--org", "Acme", "--tier", "L1"], None, ["--tier", "only staff"]),
        (["--role", "contact", "--org", "Acme", "--contact-role", "x"], None, ["--contact-role"]),
        (["--role", "engineer", "--password-stdin"], "", ["--password-stdin", "no password"]),
        (["--role", "contact", "--org", "Acme", "--phone", "555-0102"], None, ["--phone", "E.164"]),
        (["--role", "engineer", "--phone", "+15550102000"], None, ["--phone", "only contacts"]),
    ],
    ids=[
        "contact-without-org",
        "unknown-org",
        "unknown-role",
        "unknown-tier",
        "staff-with-org",
        "contact-with-tier",
        "unknown-contact-role",
        "empty-password",
        "national-phone",
        "staff-with-phone",
    ],
)
def test_user_create_errors_are_one_line_and_exit_1(
    cli: Cli, args: list[str], stdin: str | None, expected: list[str]
) -> None:
    done = cli("user", "create", "frank", "--email", "f@cw.test", *args, stdin=stdin)
    assert_fails(done, *expected)


def test_a_duplicate_username_is_one_line_and_exit_1(cli: Cli) -> None:
    done = cli("user", "create", "carol", "--email", "c2@acme.test", "--role", "engineer")
    assert_fails(done, "USERNAME", "already exists")


def test_a_malformed_email_is_one_line_and_exit_1(cli: Cli) -> None:
    done = cli("user", "create", "gina", "--email", "not-an-address", "--role", "engineer")
    assert_fails(done, "--email")


def test_token_create_prints_only_the_token_and_list_and_revoke_manage_it(cli: Cli) -> None:
    done = cli("token", "create", "carol")
    assert done.returncode == 0, done.stderr
    assert TOKEN.fullmatch(done.stdout.strip())
    assert done.stdout.count("\n") == 1
    token = done.stdout.strip()
    listed = cli("token", "list", "carol")
    assert token[:8] in listed.stdout
    assert token not in listed.stdout
    assert "active" in listed.stdout
    revoked = cli("token", "revoke", "carol", token[:8])
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in cli("token", "list", "carol").stdout
    assert_fails(cli("token", "revoke", "carol", token[:8]), "no active token")


def test_token_create_for_an_unknown_user_is_one_line_and_exit_1(cli: Cli) -> None:
    assert_fails(cli("token", "create", "nobody"), "USERNAME", "no user named 'nobody'")


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("org", ["--policy", "--plan", "--time-zone", "--region", "--case-visibility"]),
        ("user", ["--email", "--role", "--org", "--tier", "--password-stdin"]),
        ("token", ["--name"]),
    ],
)
def test_each_create_subcommand_has_help(cli: Cli, command: str, options: list[str]) -> None:
    done = cli(command, "create", "--help")
    assert done.returncode == 0, done.stderr
    for option in options:
        assert option in done.stdout


def test_the_commands_are_listed_by_casework_help(cli: Cli) -> None:
    listed = {line.split()[0] for line in cli("--help").stdout.splitlines() if line[:2] == "  "}
    assert {"org", "user", "token"} <= listed


# -- in process, on the test database ------------------------------------------------------------


def out(*args: str) -> str:
    buffer = io.StringIO()
    call_command(*args, stdout=buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_org_create_stores_the_organization_and_its_subscription(
    packs: dict[str, LoadResult],
) -> None:
    printed = out("org", "create", "Initech", "--policy", "liveops", "--plan", "white-glove",
                  "--time-zone", "America/Chicago", "--region", "us")  # fmt: skip
    organization = Organization.objects.get(pk=int(printed))
    assert (organization.name, organization.time_zone, organization.hosting_region) == (
        "Initech",
        "America/Chicago",
        "us",
    )
    assert organization.subscriptions.get().plan_id == "white-glove"


@pytest.mark.django_db
def test_user_create_stores_roles_flags_and_tiers(acme: Organization) -> None:
    contact = User.objects.get(pk=int(out("user", "create", "carol", "--email", "c@acme.test",
                                           "--role", "contact", "--org", "Acme Corp")))  # fmt: skip
    assert not contact.is_staff
    assert contact.contact.organization == acme
    engineer = User.objects.get(pk=int(out("user", "create", "sam", "--email", "s@cw.test",
                                            "--role", "engineer")))  # fmt: skip
    assert engineer.is_staff
    assert not engineer.is_superuser
    assert engineer.staff_profile.tier == "L1"
    admin = User.objects.get(pk=int(out("user", "create", "root", "--email", "r@cw.test",
                                         "--role", "admin")))  # fmt: skip
    assert admin.is_superuser
    assert admin.staff_profile.tier is None


@pytest.mark.django_db
def test_password_stdin_sets_a_usable_password(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret pass\nignored\n"))
    user = User.objects.get(pk=int(out("user", "create", "erin", "--email", "e@cw.test",
                                        "--role", "pm", "--password-stdin")))  # fmt: skip
    assert user.check_password("s3cret pass")
    bare = User.objects.get(pk=int(out("user", "create", "finn", "--email", "f@cw.test",
                                        "--role", "pm")))  # fmt: skip
    assert not bare.has_usable_password()


@pytest.mark.django_db
def test_token_create_prints_a_token_that_authenticates_and_is_stored_hashed(
    acme: Organization,
) -> None:
    out("user", "create", "carol", "--email", "c@acme.test", "--role", "contact",
        "--org", "Acme Corp")  # fmt: skip
    token = out("token", "create", "carol", "--name", "ci").strip()
    assert TOKEN.fullmatch(token)
    stored = ApiToken.objects.get()
    assert (stored.name, stored.prefix) == ("ci", token[:8])
    assert token not in stored.token_hash
    user = token_authenticate(token)
    assert user is not None
    assert user.username == "carol"


@pytest.mark.django_db
def test_token_create_refuses_an_inactive_user(db: None) -> None:
    User.objects.create_user(username="gone", is_active=False)
    with pytest.raises(CommandError, match="inactive"):
        out("token", "create", "gone")
