//! Fuzzes the whole pure pipeline: parse → validate → plan → manifests →
//! rendered tree. Any input must give either diagnostics or a tree, never a
//! panic; a rendered tree's paths must stay inside the output root.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (sources, result, diags) = esogen::pipeline::generate_text("tenants.toml", text);
    // Rendering diagnostics exercises every span against the source.
    let _ = esogen::diag::render::render_all(
        &sources,
        &diags.sorted(),
        esogen::diag::render::ColorChoice::Never,
    );
    if let Ok(generated) = result {
        assert!(!diags.has_errors());
        for (path, _) in generated.tree.iter() {
            assert!(esogen::tree::check_path(path).is_ok(), "{path}");
        }
    }
});
