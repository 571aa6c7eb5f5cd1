from portal.markdown import render_markdown


def test_markdown_renders_headings_lists_tables_and_vietnamese():
    html = render_markdown("## Bối cảnh\n\n- một\n- hai\n\n| a | b |\n|---|---|\n| 1 | 2 |")

    assert "<h2>Bối cảnh</h2>" in html
    assert "<li>một</li>" in html
    assert "<td>2</td>" in html


def test_markdown_drops_scripts_event_handlers_and_dangerous_links():
    html = render_markdown(
        '<script>alert(1)</script> <img src=x onerror="alert(2)"> '
        "[a](javascript:alert(3)) [b](data:text/html,x) [c](https://so.example/)"
    )

    assert "<script" not in html and "<img" not in html
    assert 'href="javascript:' not in html
    assert 'href="data:' not in html
    assert '<a href="https://so.example/" rel="nofollow noopener noreferrer">c</a>' in html


def test_markdown_images_are_not_loaded():
    assert "<img" not in render_markdown("![theo dõi](https://tracker.example/pixel.png)")


def test_markdown_of_nothing_is_nothing():
    assert render_markdown("") == ""
