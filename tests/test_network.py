"""Security: where the app listens, what it lets in, and that it never reaches out.

- It listens on 127.0.0.1 unless told otherwise, and warns when told otherwise.
- Gradio's file route refuses paths; its upload route takes at most one policy file's size
  (nothing but tiny bodies when uploads are turned off).
- No pickle, eval/exec or shell anywhere in the code.
- The app and the CLI answer inside a network namespace with nothing but loopback
  (`unshare -n`), with an audit hook that records and blocks any other connection.
- In a real browser, HTML and script in the policy's text or in a question show as text.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from qa.answer import PolicyQA
from qa.settings import ROOT, Settings
from qa.web import app
from qa.web import events as app_events
from qa.web.catalog import Catalog
from qa.web.process import free_port, running_app
from tests.conftest import POLICY_PATH, SHIPPED_INDEX, KeywordEmbedder
from tests.test_browser import Visit, browser, chromium_path  # noqa: F401 - fixtures

SEED = "Who can see my bank details?"


def missing(reason: str) -> None:
    """A capability the test needs is missing: a failure, never a silent skip (leave the test out with -m)."""
    pytest.fail(f"{reason}; leave this test out explicitly with -m 'not netns'")


# --- where it listens ----------------------------------------------------------------------------


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket listening on `port`, from /proc/net/tcp{,6} (Linux)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))  # per-word little-endian
                family = socket.AF_INET if len(raw) == 4 else socket.AF_INET6
                found.add(socket.inet_ntop(family, words))
    return found


@pytest.fixture(scope="module")
def fake_qa(tmp_path_factory: pytest.TempPathFactory) -> PolicyQA:
    settings = Settings(policy_path=POLICY_PATH, index_dir=tmp_path_factory.mktemp("net") / "index")
    return PolicyQA.load(settings=settings, embedder=KeywordEmbedder())


@pytest.fixture(scope="module")
def served_default(fake_qa) -> Iterator[tuple[str, int]]:
    """The app launched with the host `app.py` uses when not told otherwise."""
    host = app.parse_args([], environ={}).host
    port = free_port()
    demo = app.build_app(Catalog(fake_qa.settings, fake_qa.embedder))
    demo.launch(server_name=host, server_port=port, prevent_thread_lock=True, quiet=True, **app.launch_options())
    try:
        yield f"http://127.0.0.1:{port}/", port
    finally:
        demo.close()


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads /proc/net/tcp (Linux)")
def test_app_listens_on_loopback_only(served_default):
    _, port = served_default
    assert listening_addresses(port) == {"127.0.0.1"}


@pytest.mark.parametrize(
    ("host", "loopback"), [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True),
                           ("localhost", True), ("0.0.0.0", False), ("::", False), ("192.168.1.5", False),
                           ("example.com", False)],
)  # fmt: skip
def test_is_loopback(host, loopback):
    assert app.is_loopback(host) is loopback


def test_listening_on_the_network_prints_a_warning(tmp_path):
    """`--host 0.0.0.0` warns first; a missing policy then stops it before it ever listens."""
    env = {**os.environ, "POLICYQA_POLICY_PATH": str(tmp_path / "missing.html")}
    result = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "--host", "0.0.0.0", "--port", str(free_port()), "--no-browser"],
        capture_output=True, text=True, timeout=120, env=env, cwd=ROOT,
    )  # fmt: skip
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert lines[0].startswith("policyqa: warning: listening on 0.0.0.0: anyone who can reach this machine")
    assert lines[-1].startswith("policyqa: error: policy file")


# --- what it lets in -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/etc/passwd", "app.py", "../app.py", "%2Fetc%2Fpasswd", str(ROOT / "app.py"),
     str(SHIPPED_INDEX / "manifest.json"), "..%2F..%2F..%2Fetc%2Fpasswd", "/proc/self/environ"],
)  # fmt: skip
def test_file_route_serves_no_files_of_the_machine(served_default, path):
    url, _ = served_default
    response = httpx.get(f"{url}gradio_api/file={path}", timeout=30, trust_env=False)
    assert response.status_code in (403, 404), response.text[:200]
    assert "root:" not in response.text and "format_version" not in response.text


def upload(url: str, size: int, count: int = 1) -> int:
    """Status of posting `count` files of `size` bytes each to Gradio's upload route in one request."""
    files = [("files", (f"policy{i}.txt", b"x" * size)) for i in range(count)]
    return httpx.post(f"{url}gradio_api/upload", files=files, timeout=60, trust_env=False).status_code


def file_fields(url: str) -> list[str]:
    config = httpx.get(f"{url}config", timeout=30, trust_env=False).json()
    kinds = {"file", "uploadbutton", "image", "audio", "video", "model3d", "multimodaltextbox"}
    return [c.get("props", {}).get("elem_id") for c in config["components"] if c.get("type") in kinds]


def test_uploads_are_capped_at_the_largest_policy(served_default):
    url, _ = served_default
    assert file_fields(url) == ["pqa-upload"]  # the one upload field: "Add a policy"
    assert upload(url, app_events.MAX_UPLOAD_BYTES + 1) == 413
    assert upload(url, 4096) == 200
    assert upload(url, 4096, count=2) == 413  # one file a request
    assert upload(url, 20_000, count=100) == 413  # a hundred small ones: over one file
    assert upload(url, app_events.MAX_UPLOAD_BYTES // 2, count=3) == 413  # over the size of one policy


def test_with_uploads_off_there_is_no_upload_field_and_the_route_takes_nothing(fake_qa):
    settings = replace(fake_qa.settings, allow_uploads=False)
    demo = app.build_app(Catalog(settings, fake_qa.embedder))
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                **app.launch_options(uploads=False))  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/"
        assert file_fields(url) == []
        assert upload(url, 10) == 403 and upload(url, 10, count=1000) == 403
    finally:
        demo.close()


CODE = [
    *sorted((ROOT / "qa").rglob("*.py")),
    ROOT / "app.py",
    *sorted((ROOT / "bench").glob("*.py")),
    *sorted((ROOT / "scripts").glob("*.py")),
    *sorted((ROOT / "experiments").glob("*.py")),
]
FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "shelve", "marshal", "joblib"}
FORBIDDEN_BUILTINS = {"eval", "exec", "compile", "__import__"}  # called by name
FORBIDDEN_METHODS = {"system", "popen", "getoutput", "getstatusoutput", "spawnl", "spawnlp"}  # os.*, subprocess.*


@pytest.mark.parametrize("path", CODE, ids=[str(p.relative_to(ROOT)) for p in CODE])
def test_no_pickle_eval_or_shell(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not {a.name.split(".")[0] for a in node.names} & FORBIDDEN_MODULES, ast.unparse(node)
        elif isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] not in FORBIDDEN_MODULES, ast.unparse(node)
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            forbidden = FORBIDDEN_METHODS if isinstance(node.func, ast.Attribute) else FORBIDDEN_BUILTINS
            assert name not in forbidden, f"{path.name}:{node.lineno}: {ast.unparse(node)}"
            for keyword in node.keywords:
                assert not (keyword.arg == "shell" and ast.unparse(keyword.value) != "False"), ast.unparse(node)
                if keyword.arg == "allow_pickle":
                    assert ast.unparse(keyword.value) == "False", ast.unparse(node)
            if name == "load" and ast.unparse(node.func).startswith("torch"):
                pytest.fail(f"{path.name}:{node.lineno}: torch.load unpickles")


# --- no outbound connections, with networking disabled -------------------------------------------

# Runs app.py with an audit hook that records (on stderr) and blocks every socket
# connection and name lookup that is not for this machine.
AUDITED_APP = textwrap.dedent(
    r"""
    import runpy, socket, sys

    def outward(host):
        host = host.decode() if isinstance(host, bytes) else host
        return host not in (None, "", "localhost", "::1", "0.0.0.0", "::") and not str(host).startswith("127.")

    def hook(event, args):
        if event in ("socket.connect", "socket.sendto"):
            sock, address = args[0], args[-1]
            if sock.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
                return
            host = address[0]
        elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
            host = args[0]
        elif event == "urllib.Request":
            host = args[0].split("/")[2].split(":")[0]
        else:
            return
        if outward(host):
            print(f"OUTBOUND {event} {host}", file=sys.stderr, flush=True)
            raise PermissionError(f"outbound {event} to {host} blocked by the test")

    sys.addaudithook(hook)
    sys.argv = ["app.py", *sys.argv[1:]]
    runpy.run_path("app.py", run_name="__main__")
    """
)
ASK_CLIENT = textwrap.dedent(
    r"""
    import json, sys, time, httpx
    url = f"http://127.0.0.1:{sys.argv[1]}/"
    with httpx.Client(timeout=30, trust_env=False) as client:
        deadline = time.monotonic() + 300
        while True:
            try:
                if client.get(url).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.5)
        client.get(url + "config").raise_for_status()
        event = client.post(url + "gradio_api/call/ask", json={"data": [sys.argv[2], 3, None]}).json()["event_id"]
        text = client.get(url + f"gradio_api/call/ask/{event}").text
    print(text.split("data: ", 1)[1].strip())
    """
)
# Inside the namespace: bring loopback up, ask the CLI, then serve app.py and ask it over HTTP.
NETLESS_SCRIPT = """
set -e
ip link set lo up
cat /proc/net/dev > "$OUT/interfaces.txt"
"$PY" -m qa ask "$QUESTION" -k 3 --json > "$OUT/cli.json" 2> "$OUT/cli.err"
"$PY" -c "$AUDITED_APP" --port "$PORT" --no-browser > "$OUT/app.log" 2>&1 &
app=$!
trap 'kill "$app" 2>/dev/null || true' EXIT
"$PY" -c "$ASK_CLIENT" "$PORT" "$QUESTION" > "$OUT/api.json" 2> "$OUT/api.err" || status=$?
kill "$app"; wait "$app" || true
exit "${status:-0}"
"""


def netns_available() -> bool:
    if not (shutil.which("unshare") and shutil.which("ip")):
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.model
@pytest.mark.netns
def test_app_and_cli_answer_with_networking_disabled(tmp_path, real_index_dir):
    if not netns_available():
        missing("needs `unshare -n` and `ip` (root, util-linux, iproute2) to disable networking")
    env = {
        **os.environ,
        "PY": sys.executable,
        "OUT": str(tmp_path),
        "PORT": str(free_port()),
        "QUESTION": SEED,
        "AUDITED_APP": AUDITED_APP,
        "ASK_CLIENT": ASK_CLIENT,
        "POLICYQA_INDEX_DIR": str(real_index_dir.parent),
    }
    result = subprocess.run(
        ["unshare", "-n", "sh", "-c", NETLESS_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    log = (tmp_path / "app.log").read_text() if (tmp_path / "app.log").exists() else ""
    assert result.returncode == 0, result.stderr + log[-3000:] + (tmp_path / "api.err").read_text()[-2000:]
    interfaces = [line.split(":")[0].strip() for line in (tmp_path / "interfaces.txt").read_text().splitlines()[2:]]
    assert interfaces == ["lo"]  # really no network: only loopback exists in the namespace
    for answer in (json.loads((tmp_path / "cli.json").read_text()), json.loads((tmp_path / "api.json").read_text())[0]):
        assert answer["question"] == SEED and {"C.6", "C.4"} & {hit["clause_id"] for hit in answer["hits"]}
    assert "OUTBOUND" not in log, log
    assert '{"event":"ask"' in log  # the structured log line, on the app's stderr


# --- HTML and script shown as text in a real browser ---------------------------------------------

POLICY_SCRIPT = '<script>alert("policy")</script>'
POLICY_IMG = "<img src=x onerror=alert(2)>"
TITLE_SCRIPT = "<script>alert(3)</Script>"  # title case capitalises after "/"
QUESTION_PAYLOADS = [
    "<script>alert(1)</script> cookies",
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "![x](http://example.invalid/pixel.png) cookies",
    "[click](javascript:alert(1)) cookies",
    '"><img src=x onerror=alert(1)>',
]


def injected_policy(path: Path) -> Path:
    """The shipped policy with markup in a clause's text and in a section title (as escaped HTML,
    so after parsing the text itself holds `<script>`)."""
    html = POLICY_PATH.read_text(encoding="utf-8")
    clause = (
        '<p>Our cookie banner never runs &lt;script&gt;alert("policy")&lt;/script&gt; nor '
        "&lt;img src=x onerror=alert(2)&gt; in your browser when it stores cookies.</p>\n"
    )
    heading = "<p>\n<strong>F.\nMINORS</strong>"
    assert html.count(heading) == 1
    html = html.replace(heading, clause + "<p>\n<strong>F.\nMINORS &lt;SCRIPT&gt;ALERT(3)&lt;/SCRIPT&gt;</strong>")
    path.write_text(html, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def injected_app(chromium_path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # noqa: F811
    """`python app.py` over the injected policy (its index is built at start-up)."""
    tmp = tmp_path_factory.mktemp("injected")
    env = {
        "POLICYQA_POLICY_PATH": str(injected_policy(tmp / "policy.html")),
        "POLICYQA_INDEX_DIR": str(tmp / "index"),
    }
    with running_app({**os.environ, **env}, timeout=300) as app:
        yield app.url


class GuardedPage(Visit):
    """A page that records dialogs and aborts (and records) any request not for 127.0.0.1."""

    def __init__(self, browser, url: str) -> None:  # noqa: F811
        super().__init__(browser, url, block_external=True)

    def assert_inert(self) -> None:
        self.page.wait_for_timeout(500)  # time for an onerror/onload to fire, were it rendered
        assert self.dialogs == [] and self.blocked == []
        assert self.page.locator('img[src="x"], #pqa-chat svg[onload], #pqa-chat iframe').count() == 0
        assert self.page.locator('a[href^="javascript:"]').count() == 0
        assert self.page.locator("#pqa-chat img, #pqa-policy img").count() == 0


@pytest.fixture
def guarded(browser, injected_app) -> Iterator[GuardedPage]:  # noqa: F811
    page = GuardedPage(browser, injected_app)
    yield page
    page.context.close()


@pytest.mark.browser
@pytest.mark.model
def test_markup_in_the_policy_text_shows_as_text(guarded):
    page = guarded.page
    page.locator('button[role="tab"][data-tab-id="policy"]').click()
    policy = page.locator("#pqa-policy")
    policy.get_by_text(POLICY_SCRIPT, exact=False).first.wait_for(timeout=10_000)
    text = policy.inner_text()
    assert POLICY_SCRIPT in text and POLICY_IMG in text and TITLE_SCRIPT in text
    assert page.locator("#pqa-policy script").count() == 0
    guarded.assert_inert()


@pytest.mark.browser
@pytest.mark.model
def test_markup_in_a_cited_clause_and_in_questions_shows_as_text(guarded):
    guarded.ask("Does your cookie banner run a script or an image in my browser?")
    answer = guarded.page.locator("#pqa-chat .pqa-answer").last.inner_text()
    assert POLICY_SCRIPT in answer and POLICY_IMG in answer
    guarded.ask("Do you collect information about minors?")
    assert TITLE_SCRIPT in guarded.page.locator("#pqa-chat .pqa-answer").last.inner_text()
    for question in QUESTION_PAYLOADS:
        guarded.ask(question)
        assert guarded.page.locator("#pqa-chat .pqa-question").last.inner_text() == question
    guarded.assert_inert()
