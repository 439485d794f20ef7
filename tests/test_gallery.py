"""docs/gallery.md names every example (script or notebook) and every picture it shows exists."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "docs" / "gallery.md"


def test_every_example_is_in_the_gallery():
    text = GALLERY.read_text()
    examples = [p.name for p in (ROOT / "examples").iterdir()
                if p.suffix in (".py", ".ipynb") and not p.name.startswith("_")]
    missing = [name for name in examples if f"`{name}`" not in text]
    assert not missing, f"add these examples to docs/gallery.md: {missing}"


def test_every_gallery_picture_exists():
    pictures = re.findall(r"!\[[^\]]*\]\((gallery/[^)]+)\)", GALLERY.read_text())
    assert pictures
    for picture in pictures:
        assert (GALLERY.parent / picture).stat().st_size > 1000, picture
