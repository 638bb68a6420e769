//! The plain-HTML shell in index.html shows the Help-now contacts before (or without) the app's code.
//! It must say exactly what the app's own Help-now page says.

use waymark_core::crisis::{CONTACTS, LAST_CHECKED, LAST_CHECKED_WORDS};

fn index_html() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/index.html"))
        .expect("index.html at the root")
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[test]
fn the_static_help_list_matches_the_apps() {
    let html = index_html();
    let start = html
        .find(r#"<ul class="help-list">"#)
        .expect("a help list in index.html");
    let list = &html[start..start + html[start..].find("</ul>").expect("the list ends")];
    assert_eq!(
        list.matches("<li ").count(),
        CONTACTS.len(),
        "one item per contact"
    );
    for contact in CONTACTS {
        let link = format!(
            r#"<a class="help-action" href="{}">{}</a>"#,
            html_escape(contact.href),
            html_escape(contact.action)
        );
        assert!(list.contains(&link), "index.html lacks {link}");
        for text in [contact.when, contact.name, contact.note] {
            assert!(
                list.contains(&html_escape(text)),
                "index.html lacks {text:?}"
            );
        }
    }
    let checked = format!(r#"<time datetime="{LAST_CHECKED}">{LAST_CHECKED_WORDS}</time>"#);
    assert!(html.contains(&checked), "index.html lacks {checked}");
}

#[test]
fn the_shell_loads_nothing_from_another_origin() {
    let html = index_html();
    for attribute in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(
            !html.contains(attribute),
            "index.html loads something from elsewhere ({attribute})"
        );
    }
}
