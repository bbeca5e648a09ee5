"""The whole story of each resource of the seed documents, as a user's Lua script drives it
through the real HTTP path against the sandbox (Tests/stories/*.lua)."""
import io
import pathlib
import zipfile

import pytest

STORIES = pathlib.Path(__file__).resolve().parent.parent / "stories"


def bundle(path, files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    path.write_bytes(buf.getvalue())
    return str(path)


@pytest.mark.parametrize("story", ["certificate", "checkout", "carrier", "cart", "widget", "subscribers"])
def test_story(run, story):
    r = run("run", "--sandbox", str(STORIES / f"{story}.lua"), timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"{story} story: ok"


def test_theme_story(run, tmp_path):
    good = bundle(tmp_path / "story.zip", {
        "config.json": '{"name": "Story", "version": "1.0.0", "variations": [{"name": "Light", "id": "light"}, {"name": "Bold", "id": "bold"}]}',
        "schema.json": "[]",
        "templates/pages/home.html": "<h1>{{settings.store_name}}</h1>",
    })
    bad = bundle(tmp_path / "notatheme.zip", {"config.json": "{}", "templates/pages/home.html": ""})
    r = run("run", "--sandbox", str(STORIES / "theme.lua"), good, bad, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "theme story: ok"
