use leptos::prelude::*;
use qrcodegen::{QrCode as Matrix, QrCodeEcc};

/// Modules of white margin around the code: the quiet zone the QR standard asks for.
const QUIET_ZONE: i32 = 4;
/// The most CSS pixels the code may take across: it fits a card on a 320 px screen (254 px inside).
const MAX_WIDTH_PX: i32 = 240;

/// A QR code of `text`, drawn as SVG: dark modules on white (in dark mode too, as scanners expect) with its
/// quiet zone. `label` says what it is for a screen reader ("QR code of the link to join this sync"); the page
/// should also show `text` (or what it stands for) in words, for anyone who cannot scan.
#[component]
pub fn QrCode(text: String, label: String) -> impl IntoView {
    // Medium error correction: survives a smudged or glaring screen, and a link still fits a small code.
    let Ok(matrix) = Matrix::encode_text(&text, QrCodeEcc::Medium) else {
        return view! { <p class="qr-code-missing">"This is too long to show as a QR code."</p> }
            .into_any();
    };
    let span = matrix.size() + 2 * QUIET_ZONE;
    // Whole pixels per module keep the edges crisp.
    let width = (MAX_WIDTH_PX / span).max(2) * span;
    view! {
        <svg
            class="qr-code"
            viewBox=format!("{} {} {span} {span}", -QUIET_ZONE, -QUIET_ZONE)
            width=width.to_string()
            height=width.to_string()
            role="img"
            aria-label=label
            shape-rendering="crispEdges"
        >
            <rect
                x=(-QUIET_ZONE).to_string()
                y=(-QUIET_ZONE).to_string()
                width=span.to_string()
                height=span.to_string()
                fill="#fff"
            />
            <path d=dark_modules(&matrix) fill="#000"/>
        </svg>
    }
    .into_any()
}

/// One SVG path covering the dark modules, a rectangle per horizontal run.
fn dark_modules(matrix: &Matrix) -> String {
    let size = matrix.size();
    let mut path = String::new();
    for y in 0..size {
        let mut x = 0;
        while x < size {
            if !matrix.get_module(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < size && matrix.get_module(x, y) {
                x += 1;
            }
            path.push_str(&format!("M{start} {y}h{}v1H{start}z", x - start));
        }
    }
    path
}
