//! Model-file loader. The first byte picks the mode: even = the rest is a whole file (header
//! checks), odd = the rest is a payload wrapped in a valid envelope (postcard decoding,
//! validation and prediction with whatever decodes).
#![no_main]

#[allow(dead_code)]
#[path = "../../tests/fuzz_regressions/invariants.rs"]
mod invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        let _ = invariants::check_artifact(rest);
    } else {
        let _ = invariants::check_artifact(&invariants::envelope(rest));
    }
});
