//! Files in and out: downloads made in the page, reading a chosen file, sharing, printing.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Offers `contents` as a file download named `name`. Nothing leaves the device: the file is made in the page.
pub fn download(name: &str, mime: &str, contents: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(contents));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(describe)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(describe)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let link: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(describe)?
        .unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // The click has started the download; the object URL is no longer needed.
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// The text of the first file chosen in a file input.
pub async fn read_chosen_file(input: &web_sys::HtmlInputElement) -> Result<Option<String>, String> {
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return Ok(None);
    };
    let text = JsFuture::from(file.text()).await.map_err(describe)?;
    Ok(text.as_string())
}

/// Whether the browser can share text (the Web Share API), as phones usually can.
pub fn can_share() -> bool {
    web_sys::window()
        .map(|w| js_sys::Reflect::has(&w.navigator(), &"share".into()).unwrap_or(false))
        .unwrap_or(false)
}

/// Opens the phone's share sheet with a title and text.
pub async fn share(title: &str, text: &str) -> Result<(), String> {
    let navigator = web_sys::window().ok_or("no window")?.navigator();
    let data = js_sys::Object::new();
    js_sys::Reflect::set(&data, &"title".into(), &title.into()).map_err(describe)?;
    js_sys::Reflect::set(&data, &"text".into(), &text.into()).map_err(describe)?;
    let share = js_sys::Reflect::get(&navigator, &"share".into()).map_err(describe)?;
    let share: js_sys::Function = share.dyn_into().map_err(describe)?;
    let promise: js_sys::Promise = share
        .call1(&navigator, &data)
        .map_err(describe)?
        .dyn_into()
        .map_err(describe)?;
    JsFuture::from(promise).await.map(|_| ()).map_err(describe)
}

/// Opens the browser's print dialog (which also offers "Save as PDF").
pub fn print() {
    if let Some(window) = web_sys::window() {
        let _ = window.print();
    }
}

/// True on Safari when Waymark is not installed to the home screen: there Safari may clear a site's data after
/// some weeks without a visit.
pub fn storage_may_be_cleared() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let agent = window.navigator().user_agent().unwrap_or_default();
    let safari = agent.contains("Safari")
        && !agent.contains("Chrome")
        && !agent.contains("CriOS")
        && !agent.contains("Android");
    let installed = window
        .match_media("(display-mode: standalone)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches());
    safari && !installed
}

fn describe(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| format!("{error:?}"))
}
