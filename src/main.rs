use leptos::mount::mount_to_body;
use waymark::app::App;

fn main() {
    console_error_panic_hook::set_once();
    mount_to_body(App);
    // The plain-HTML shell in index.html (with the Help-now contacts) shows until the app has drawn itself.
    if let Some(shell) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("static-shell"))
    {
        shell.remove();
    }
}
