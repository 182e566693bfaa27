#!/usr/bin/env python3
"""The pages of `dirsync serve` in headless Chromium, through Selenium and Debian's chromedriver.

Run by scripts/browser-test:  browser_test.py PATH/TO/dirsync

Makes an organization (Acme Corp) in a temporary folder with serve.public_url on a free 127.0.0.1 port,
starts `dirsync serve` there, sends invitations with `dirsync invitations send` and opens the accept links
found in the mails the outbox holds, as an invitee would. Prints one line per passed check; the first
failing check prints one line naming it and ends the run with exit status 1. Screenshots of each page are
written to .build/screenshots/. Nothing here waits a fixed time: every wait is an upper bound.
"""
import datetime
import email
import email.policy
import html
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import (
    NoAlertPresentException,
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    UnexpectedAlertPresentException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / ".build" / "screenshots"
ORG = "Acme Corp"
WAIT = 30  # seconds; an upper bound for every wait, never a delay
DESKTOP = (1000, 900)
PHONE = (390, 844)


class CheckFailed(Exception):
    def __init__(self, check, message):
        super().__init__(f"{check}: {message}")
        self.check = check
        self.message = message


class Checks:
    def __init__(self):
        self.current = "setting up"
        self.passed = 0

    def start(self, name):
        self.current = name

    def fail(self, message):
        raise CheckFailed(self.current, message)

    def expect(self, condition, message):
        if not condition:
            self.fail(message)

    def ok(self):
        self.passed += 1
        print(f"browser-test: ok - {self.current}", flush=True)


checks = Checks()


# --- the organization and the dirsync command line ---------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Organization:
    def __init__(self, binary, folder, port):
        self.binary = binary
        self.folder = folder
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        (folder / "export.ldif").write_text("version: 1\n")
        (folder / "dirsync.yaml").write_text(
            "organization:\n"
            f"  name: {ORG}\n"
            "  seats: 25\n"
            "  inviter: ada@acme.com\n"
            "  allowed_domains: [partner.io]\n"
            "store: dirsync.sqlite\n"
            "source: { kind: ldif, path: export.ldif }\n"
            "mapping: openldap\n"
            "mail:\n"
            "  outbox: outbox/\n"
            '  from: "Acme Corp <no-reply@acme.com>"\n'
            f'serve: {{ public_url: "{self.base}" }}\n'
        )
        self.dirsync("init", "--org", ORG, "--seats", "25", "--owner", "ada@acme.com")

    def dirsync(self, *args):
        command = [str(self.binary), *args]
        result = subprocess.run(command, cwd=self.folder, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            shown = " ".join(args)
            detail = (result.stderr or result.stdout).strip().replace("\n", " | ")
            checks.fail(f"`dirsync {shown}` exited {result.returncode}: {detail}")
        return result.stdout

    def dirsync_json(self, *args):
        out = self.dirsync(*args, "--format", "json")
        try:
            return json.loads(out)
        except json.JSONDecodeError as error:
            checks.fail(f"`dirsync {' '.join(args)} --format json` printed no JSON ({error}): {out[:200]!r}")

    def invite(self, address, *options):
        """Sends one invitation and returns the accept link from the mail it wrote to the outbox."""
        outbox = self.folder / "outbox"
        before = set(outbox.glob("*.eml")) if outbox.is_dir() else set()
        self.dirsync("invitations", "send", address, "--role", "viewer", *options)
        new = [p for p in set(outbox.glob("*.eml")) - before if p.name.startswith(address)]
        checks.expect(len(new) == 1, f"expected one new mail for {address} in the outbox, found {len(new)}")
        return self.link_in_mail(new[0])

    def link_in_mail(self, path):
        with open(path, "rb") as f:
            message = email.message_from_binary_file(f, policy=email.policy.default)
        pattern = re.compile(re.escape(self.base) + r"/invitations/accept\?[^\s<>\"']+")
        links = {}
        for part in message.walk():
            kind = part.get_content_type()
            if kind not in ("text/plain", "text/html"):
                continue
            found = pattern.findall(part.get_content())  # decoded: quoted-printable, base64, charset
            if kind == "text/html":
                found = [html.unescape(link) for link in found]
            checks.expect(len(set(found)) == 1, f"{path.name}: {kind} part has {len(set(found))} accept links, not 1")
            links[kind] = found[0]
        checks.expect("text/plain" in links, f"{path.name} has no text/plain part with the accept link")
        checks.expect(len(set(links.values())) == 1,
                      f"{path.name}: the text and HTML parts link to different places: {links}")
        return links["text/plain"]

    def invitation(self, address):
        rows = self.dirsync_json("invitations", "list", "--status", "all")
        checks.expect(isinstance(rows, list), f"`invitations list --format json` is not a list: {rows!r:.200}")
        found = [row for row in rows if row.get("email") == address]
        checks.expect(len(found) == 1, f"`invitations list --status all` shows {len(found)} invitations for {address}")
        return found[0]

    def expect_pending(self, address):
        status = self.invitation(address).get("status")
        checks.expect(status == "pending", f"the invitation of {address} is {status!r}, not 'pending'")

    def member(self, address):
        rows = self.dirsync_json("members", "list")
        found = [row for row in rows if row.get("email") == address]
        return found[0] if found else None


class Server:
    """`dirsync serve` on 127.0.0.1; stopped by its PID."""

    def __init__(self, organization):
        self.log = []
        self.listening = threading.Event()
        self.url = None
        self.process = subprocess.Popen(
            [str(organization.binary), "serve", "--listen", f"127.0.0.1:{organization.port}"],
            cwd=organization.folder, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True,
        )
        # Reads standard error to its end, so the request log never fills the pipe.
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if not self.listening.wait(WAIT) or self.url is None:
            checks.fail(f"dirsync serve did not say it was listening within {WAIT} s; its output: "
                        + " | ".join(self.log[-10:]))

    def _read(self):
        for line in self.process.stderr:
            line = line.rstrip("\n")
            self.log.append(line)
            match = re.match(r"dirsync serve: listening on (http://\S+)$", line)
            if match and not self.listening.is_set():
                self.url = match.group(1)
                self.listening.set()
        self.listening.set()  # the process ended; start() sees url is None

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.reader.join(timeout=10)
        return self.process.returncode


# --- the browser ---------------------------------------------------------------------------------------

def start_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    # Leave any alert open, so that the check for one sees it rather than webdriver dismissing it.
    options.unhandled_prompt_behavior = "ignore"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(120)
    driver.set_window_size(*DESKTOP)
    return driver


def h1_text(driver):
    return driver.find_element(By.TAG_NAME, "h1").text.strip()


class AlertOpened(Exception):
    """A JavaScript alert opened while a page was awaited."""


def wait_for_h1(driver, expected):
    """Waits (up to WAIT) for the loaded page's h1, then checks it: a wrong page fails at once."""
    def loaded(d):
        try:
            if d.execute_script("return document.readyState") != "complete":
                return False
            return h1_text(d)
        except UnexpectedAlertPresentException:
            raise AlertOpened()  # not a WebDriverException, so the wait below does not swallow it
    try:
        # A page still loading can answer any lookup with an inspector error: asked again until it settles.
        seen = WebDriverWait(driver, WAIT, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException,
                                                               WebDriverException)) \
            .until(loaded)
    except (UnexpectedAlertPresentException, AlertOpened):
        checks.fail(f"a JavaScript alert opened on {driver.current_url}")
    except TimeoutException:
        checks.fail(f"expected the h1 {expected!r}, but {driver.current_url} showed no loaded page with an h1 within {WAIT} s")
    checks.expect(seen == expected, f"expected the h1 {expected!r}, the page {driver.current_url} shows {seen!r}")


def field(driver, name):
    try:
        return driver.find_element(By.ID, name)
    except NoSuchElementException:
        checks.fail(f"the page {driver.current_url} has no field with id {name!r}")


def submit(driver, label):
    buttons = [b for b in driver.find_elements(By.CSS_SELECTOR, "form button[type=submit], form button:not([type])")
               if b.text.strip() == label]
    checks.expect(len(buttons) == 1, f"expected one submit button {label!r} on {driver.current_url}, found {len(buttons)}")
    page = driver.find_element(By.TAG_NAME, "html")
    buttons[0].click()
    def replaced(_):
        # The old page's root is gone once the next page has replaced it. Chromium reports that either as
        # a stale element or, mid-navigation, as "Node with given id does not belong to the document".
        try:
            page.is_enabled()
            return False
        except (StaleElementReferenceException, WebDriverException):
            return True

    try:  # the next page has replaced this one
        WebDriverWait(driver, WAIT).until(replaced)
    except TimeoutException:
        checks.fail(f"pressing {label!r} on {driver.current_url} loaded no new page within {WAIT} s")


def screenshot(driver, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    checks.expect(driver.save_screenshot(str(path)), f"could not write the screenshot {path}")
    shots.append(path)
    return path


shots = []


# --- plain HTTP ----------------------------------------------------------------------------------------

def http_get(url, method="GET"):
    """Returns (status, headers, body) without following redirects into the browser's shoes."""
    request = urllib.request.Request(url, method=method, headers={"User-Agent": "LinkScanner/1.0 (mail security)"})
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


# --- the checks ----------------------------------------------------------------------------------------

def check_accept(org, driver):
    checks.start("accept through the page makes the member")
    link = org.invite("bo@partner.io", "--first-name", "Bo")
    driver.get(link)
    wait_for_h1(driver, f"Join {ORG}")
    given = field(driver, "given_name").get_attribute("value")
    checks.expect(given == "Bo", f"given_name is {given!r}, not pre-filled with 'Bo'")
    screenshot(driver, "accept")
    family = field(driver, "family_name")
    family.clear()
    family.send_keys("Example")
    submit(driver, "Accept the invitation")
    wait_for_h1(driver, f"Welcome to {ORG}")
    screenshot(driver, "success")
    member = org.member("bo@partner.io")
    checks.expect(member is not None, "bo@partner.io is not in `dirsync members list` after accepting")
    checks.expect(member.get("role") == "viewer", f"bo@partner.io has the role {member.get('role')!r}, not viewer")
    shown = org.dirsync("members", "show", "bo@partner.io")
    checks.expect("bo@partner.io" in shown, f"`members show bo@partner.io` does not name bo: {shown[:200]!r}")
    status = org.invitation("bo@partner.io").get("status")
    checks.expect(status == "accepted", f"the invitation of bo@partner.io is {status!r} after accepting")
    checks.ok()


def check_expired(org, driver):
    checks.start("an expired link shows 'This link cannot be used'")
    long_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=60)
    link = org.invite("old@partner.io", "--now", long_ago.strftime("%Y-%m-%dT%H:%M:%SZ"))
    status = org.invitation("old@partner.io").get("status")
    checks.expect(status == "expired", f"the invitation sent 60 days ago is {status!r}, not 'expired'")
    driver.get(link)
    wait_for_h1(driver, "This link cannot be used")
    screenshot(driver, "expired")
    code, _, _ = http_get(link)
    checks.expect(code == 410, f"the expired link answers {code}, not 410")
    for path in ("/invitations/accept?token=not-a-token", "/offers/accept?token=not-a-token"):
        driver.get(org.base + path)
        wait_for_h1(driver, "This link cannot be used")
    checks.ok()


def check_csrf(org, driver):
    checks.start("a form posted without its CSRF token is refused")
    link = org.invite("carol@partner.io", "--first-name", "Carol")

    driver.get(link)
    wait_for_h1(driver, f"Join {ORG}")
    removed = driver.execute_script(
        "const f = document.querySelector('form input[name=csrf]'); if (!f) return false; f.remove(); return true;")
    checks.expect(removed, "the accept form has no hidden csrf input")
    field(driver, "family_name").send_keys("Example")
    submit(driver, "Accept the invitation")
    wait_for_h1(driver, "The form could not be sent")
    screenshot(driver, "forbidden")
    org.expect_pending("carol@partner.io")

    # The hidden field alone is not enough either: without the cookie it pairs with, refused too.
    driver.get(link)
    wait_for_h1(driver, f"Join {ORG}")
    checks.expect(driver.get_cookie("dirsync_csrf") is not None, "the accept page set no dirsync_csrf cookie")
    driver.delete_cookie("dirsync_csrf")
    submit(driver, "Accept the invitation")
    wait_for_h1(driver, "The form could not be sent")
    org.expect_pending("carol@partner.io")

    # The refusal page says to reload and try again: doing so works.
    driver.get(link)
    wait_for_h1(driver, f"Join {ORG}")
    submit(driver, "Accept the invitation")
    wait_for_h1(driver, f"Welcome to {ORG}")
    checks.expect(org.member("carol@partner.io") is not None, "carol@partner.io is no member after the retry")
    checks.ok()


def check_markup_is_text(org, driver):
    checks.start("a name and a message with markup render as text")
    name, last, note = "<script>alert(1)</script>", 'O"Brien & <i>', "<script>alert(2)</script>"
    link = org.invite("xss@partner.io", "--first-name", name, "--last-name", last, "--message", note)
    driver.get(link)
    wait_for_h1(driver, f"Join {ORG}")
    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        checks.fail(f"a JavaScript alert opened: {text!r}")
    except NoAlertPresentException:
        pass
    given = field(driver, "given_name").get_attribute("value")
    checks.expect(given == name, f"given_name is {given!r}, not the literal {name!r}")
    family = field(driver, "family_name").get_attribute("value")
    checks.expect(family == last, f"family_name is {family!r}, not the literal {last!r}")
    quotes = [q.text.strip() for q in driver.find_elements(By.TAG_NAME, "blockquote")]
    checks.expect(note in quotes, f"the message does not show as the text {note!r}; blockquotes: {quotes!r}")
    scripts = driver.execute_script("return document.getElementsByTagName('script').length")
    checks.expect(scripts == 0, f"the page has {scripts} script elements")
    source = driver.page_source
    checks.expect("&lt;script&gt;" in source, "the page source has no &lt;script&gt;")
    checks.expect("<script" not in source.lower(), "the page source has a raw <script tag")
    _, _, body = http_get(link)  # what the server sent, before the browser parsed it
    checks.expect("&lt;script&gt;" in body, "the server's HTML has no &lt;script&gt;")
    checks.expect("<script" not in body.lower(), "the server's HTML has a raw <script tag")
    checks.ok()


def check_link_scanner(org, driver):
    checks.start("a link scanner's GET leaves the invitation pending")
    link = org.invite("dan@partner.io", "--first-name", "Dan")
    for _ in range(2):
        code, _, body = http_get(link)
        checks.expect(code == 200, f"the scanner's GET answers {code}, not 200")
        checks.expect(f"Join {ORG}" in body, "the scanner's GET did not get the invitation page")
    http_get(link, method="HEAD")  # whatever it answers, it must not use the link up
    org.expect_pending("dan@partner.io")
    driver.get(link)
    wait_for_h1(driver, f"Join {ORG}")
    field(driver, "family_name").send_keys("Example")
    submit(driver, "Accept the invitation")
    wait_for_h1(driver, f"Welcome to {ORG}")
    checks.expect(org.member("dan@partner.io") is not None, "dan@partner.io is no member after accepting")
    checks.ok()


def expect_security_headers(url):
    code, headers, _ = http_get(url)
    csp = headers.get("Content-Security-Policy", "")
    checks.expect(csp, f"{url} ({code}) has no Content-Security-Policy")
    checks.expect("frame-ancestors 'none'" in csp, f"{url}: the Content-Security-Policy lacks frame-ancestors 'none': {csp}")
    checks.expect("unsafe-inline" not in csp and "unsafe-eval" not in csp, f"{url}: the CSP allows inline code: {csp}")
    checks.expect(headers.get("X-Frame-Options", "").upper() == "DENY",
                  f"{url}: X-Frame-Options is {headers.get('X-Frame-Options')!r}, not DENY")
    checks.expect("no-store" in headers.get("Cache-Control", ""),
                  f"{url}: Cache-Control is {headers.get('Cache-Control')!r}, without no-store")
    checks.expect(headers.get("X-Content-Type-Options", "").lower() == "nosniff",
                  f"{url}: X-Content-Type-Options is {headers.get('X-Content-Type-Options')!r}, not nosniff")
    checks.expect(headers.get("Referrer-Policy", "") == "no-referrer",
                  f"{url}: Referrer-Policy is {headers.get('Referrer-Policy')!r}, not no-referrer (the token is in the URL)")
    return code


def check_headers(org):
    checks.start("the accept page sends the security headers")
    link = org.invite("eve@partner.io", "--first-name", "Eve")
    code = expect_security_headers(link)
    checks.expect(code == 200, f"the accept link answers {code}, not 200")
    expect_security_headers(org.base + "/invitations/accept?token=not-a-token")
    org.expect_pending("eve@partner.io")
    checks.ok()


def check_request_access(org, driver):
    checks.start("the request-access page renders with its form")
    url = org.base + "/access/request"
    code = expect_security_headers(url)
    checks.expect(code == 200, f"{url} answers {code}, not 200")
    driver.get(url)
    wait_for_h1(driver, "Request access")
    for name in ("code", "username", "email", "given_name", "family_name"):
        element = field(driver, name)
        checks.expect(element.get_attribute("name") == name, f"the field #{name} is named {element.get_attribute('name')!r}")
        checks.expect(element.is_displayed(), f"the field #{name} is not visible")
        labels = driver.find_elements(By.CSS_SELECTOR, f"label[for='{name}']")
        checks.expect(len(labels) == 1 and labels[0].text.strip(), f"the field #{name} has no label")
    csrf = driver.find_elements(By.CSS_SELECTOR, "form input[type=hidden][name=csrf]")
    checks.expect(len(csrf) == 1 and csrf[0].get_attribute("value"), "the request form has no hidden csrf value")
    buttons = [b.text.strip() for b in driver.find_elements(By.CSS_SELECTOR, "form button")]
    checks.expect("Request access" in buttons, f"the request form has no 'Request access' button: {buttons!r}")
    screenshot(driver, "request-access")
    checks.ok()


def check_phone(org, driver):
    checks.start("the accept page fits a phone screen")
    link = org.invite("fay@partner.io", "--first-name", "Fay")
    driver.set_window_size(*PHONE)
    try:
        driver.get(link)
        wait_for_h1(driver, f"Join {ORG}")
        width, scroll = driver.execute_script(
            "return [document.documentElement.clientWidth, document.documentElement.scrollWidth]")
        checks.expect(scroll <= width, f"at {PHONE[0]} px wide the page scrolls sideways ({scroll} > {width} px)")
        for name in ("given_name", "family_name"):
            right = driver.execute_script("return arguments[0].getBoundingClientRect().right", field(driver, name))
            checks.expect(right <= width, f"at {PHONE[0]} px wide #{name} runs off the screen ({right} > {width} px)")
        screenshot(driver, "accept-phone")
    finally:
        driver.set_window_size(*DESKTOP)
    org.expect_pending("fay@partner.io")
    checks.ok()


def check_screenshots():
    checks.start("screenshots of every page are written")
    for path in shots:
        checks.expect(path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG")
    names = {p.stem for p in shots}
    wanted = {"accept", "success", "expired", "forbidden", "request-access", "accept-phone"}
    checks.expect(wanted <= names, f"missing screenshots: {sorted(wanted - names)}")
    for path in shots:
        print(f"browser-test: screenshot {path.relative_to(ROOT)}")
    checks.ok()


def main():
    if len(sys.argv) != 2:
        print("usage: browser_test.py PATH/TO/dirsync", file=sys.stderr)
        return 2
    binary = Path(sys.argv[1]).resolve()
    if not binary.is_file():
        print(f"browser-test: FAIL - setting up: no dirsync binary at {binary}", file=sys.stderr)
        return 1
    for old in SCREENSHOTS.glob("*.png") if SCREENSHOTS.is_dir() else []:
        old.unlink()

    folder = Path(tempfile.mkdtemp(prefix="dirsync-browser-test-"))
    server = driver = None
    try:
        org = Organization(binary, folder, free_port())
        server = Server(org)
        checks.expect(server.url == org.base, f"dirsync serve listens on {server.url}, not {org.base}")
        driver = start_browser()
        check_accept(org, driver)
        check_expired(org, driver)
        check_csrf(org, driver)
        check_markup_is_text(org, driver)
        check_link_scanner(org, driver)
        check_headers(org)
        check_request_access(org, driver)
        check_phone(org, driver)
        check_screenshots()
    except CheckFailed as failure:
        if driver is not None:
            try:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(SCREENSHOTS / "failure.png"))
            except Exception:
                pass
        print(f"browser-test: FAIL - {failure.check}: {failure.message}", file=sys.stderr)
        return 1
    except Exception as error:  # webdriver or subprocess trouble: still one line naming the check
        detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
        print(f"browser-test: FAIL - {checks.current}: {type(error).__name__}: {detail}", file=sys.stderr)
        return 1
    finally:
        if driver is not None:
            driver.quit()
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"browser-test: all {checks.passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
