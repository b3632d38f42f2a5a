"""The report in a real browser: Debian's chromium, headless, driven by selenium through Debian's
chromium-driver (.ci/apt-packages installs both). One browser session for the module; each page is opened
from a file:// URL as an operator would open it.

It must render without a console error, show each chart with one before and one after bar per link and
site at the width the utilization gives, keep device text as text (no script runs), and paint a screenshot
that is not blank and has the bars' colours in it."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from report_records import HOSTILE, real_plan, run_record
from trafficshift.present.report import PLOT_W, plan_record, write_report

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
BEFORE_RGB = (0x9E, 0x9E, 0x9E)  # .bar-before
AFTER_RGB = (0x1E, 0x6F, 0xD9)  # .bar-after.cool


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1024,768", f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # the driver's path given: selenium does not run Selenium Manager (which would try to download one)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def open_report(browser, record: dict, path: Path) -> list[dict]:
    """Write `record`'s report to `path`, load it; the browser console entries of that load."""
    browser.get_log("browser")  # drop whatever an earlier page left
    write_report(record, path)
    browser.get(path.resolve().as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    return browser.get_log("browser")


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """(width, height, RGB pixels) of an 8-bit, non-interlaced RGB or RGBA PNG (what chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line))
        previous = line
    pixels = [tuple(row[x * channels:x * channels + 3]) for row in rows for x in range(width)]
    return width, height, pixels


def test_run_report_renders_without_errors_and_shows_the_chart(browser, tmp_path):
    record = run_record()
    console = open_report(browser, record, tmp_path / "run.html")
    assert [entry for entry in console if entry["level"] == "SEVERE"] == [], console
    assert browser.title == f"trafficshift apply {record['id']}"
    for name in ("links", "sites"):
        svg = browser.find_element(By.ID, f"chart-{name}")
        assert svg.is_displayed()
        assert svg.size["width"] > 0 and svg.size["height"] > 0, svg.size
        expected = {u["id"]: u for u in record["plan"][name]}
        for side in ("before", "after"):
            # as laid out by the browser, in one round trip: [element id, drawn width, drawn height]
            bars = browser.execute_script(
                "return Array.from(arguments[0].querySelectorAll(arguments[1]), b => "
                "[b.dataset.id, b.getBoundingClientRect().width, b.getBoundingClientRect().height])",
                svg, f"rect.bar-{side}")
            assert sorted(element for element, _, _ in bars) == sorted(expected)
            for element, drawn, tall in bars:
                u = expected[element]
                assert drawn == pytest.approx(PLOT_W * u[f"{side}_bps"] / u["capacity_bps"], abs=0.6), element
                assert tall > 0


def test_device_text_stays_text_and_no_script_runs(browser, tmp_path):
    record = run_record()
    open_report(browser, record, tmp_path / "run.html")
    assert browser.find_elements(By.TAG_NAME, "script") == []
    assert browser.find_elements(By.TAG_NAME, "img") == []
    assert "3 line(s)" in browser.find_element(By.CSS_SELECTOR, 'tr[data-router="ams01-r2"]').text
    details = browser.find_element(By.CSS_SELECTOR, 'tr[data-diff-of="ams01-r2"] details')
    assert not details.find_element(By.TAG_NAME, "pre").is_displayed()  # collapsed until asked
    details.find_element(By.TAG_NAME, "summary").click()
    diff = details.find_element(By.TAG_NAME, "pre")
    assert diff.is_displayed()
    assert browser.execute_script("return arguments[0].textContent", diff) == record["outcomes"]["ams01-r2"]["diff"]
    assert HOSTILE in diff.text


def test_screenshot_is_not_blank_and_shows_the_bars(browser, tmp_path):
    open_report(browser, run_record(), tmp_path / "run.html")
    shot = tmp_path / "report.png"
    assert browser.save_screenshot(str(shot))
    width, height, pixels = png_pixels(shot.read_bytes())
    assert width >= 800 and height >= 600, (width, height)
    colours = set(pixels)
    assert len(colours) > 20, f"only {len(colours)} colours: a blank page"
    assert sum(p != (255, 255, 255) for p in pixels) > 0.02 * len(pixels)
    chart_shot = tmp_path / "chart.png"
    assert browser.find_element(By.ID, "chart-links").screenshot(str(chart_shot))
    _, _, chart_pixels = png_pixels(chart_shot.read_bytes())
    painted = set(chart_pixels)
    assert BEFORE_RGB in painted and AFTER_RGB in painted


def test_plan_report_renders_with_its_diffs(browser, tmp_path):
    plan, inputs = real_plan()
    record = plan_record(plan, diffs={"ams01-r1": "", "ams01-r2": "+ set local-preference 200\n"},
                         errors={"fra01-r1": "no return"}, inputs=inputs)
    console = open_report(browser, record, tmp_path / "plan.html")
    assert [entry for entry in console if entry["level"] == "SEVERE"] == [], console
    svg = browser.find_element(By.ID, "chart-sites")
    assert svg.is_displayed() and len(svg.find_elements(By.CSS_SELECTOR, "rect.bar-after")) == len(plan["sites"])
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.router")
    assert [r.get_attribute("data-router") for r in rows] == ["ams01-r1", "ams01-r2", "fra01-r1"]
    assert "no return" in rows[2].text and "error" in rows[2].text


def test_the_console_check_sees_an_error_when_a_page_has_one(browser, tmp_path):
    """The SEVERE check above is not vacuous: a page that fails to load a file and throws is reported."""
    broken = tmp_path / "broken.html"
    broken.write_text('<!DOCTYPE html><title>broken</title><img src="missing.png"><script>null.x</script>')
    browser.get_log("browser")
    browser.get(broken.resolve().as_uri())
    severe = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert any("missing.png" in m for m in severe) and any("TypeError" in m for m in severe), severe
