//! Process-wide memory settings for the model stage: how much libtorch and the C allocator keep
//! once they no longer need it.
//!
//! Measured with `portavoz annotate` on 300 readouts (2 cores, bf16): peak RSS 1,005 MB with
//! the default caches of oneDNN and of ideep (PyTorch's oneDNN wrapper), 1,024 entries each;
//! 735 MB with oneDNN's capped at 16 (8: 740 MB, 32: 772 MB, off: 727 MB and 30% slower);
//! 674 MB with ideep's capped at 16 as well, at the same speed. Every new shape of the syntax
//! heads' word BiLSTM (one per batch size and sentence length) leaves a primitive in those
//! caches, with a work area in proportion to batch × length (15 MB for 64 sentences of 80
//! words): the heads also cap that product (`PREDICT_POSITIONS` in `syntax_heads`), which took
//! the same run to 652 MB, and to 666 MB on 3,000 readouts (1,253 MB before either cap).

use std::sync::Once;

/// Entries kept in each of the two primitive caches (their default is 1,024); see the module docs.
pub const PRIMITIVE_CACHE_ENTRIES: usize = 16;

/// Caps oneDNN's and ideep's primitive caches at [`PRIMITIVE_CACHE_ENTRIES`], unless the user
/// set `ONEDNN_PRIMITIVE_CACHE_CAPACITY` or `LRU_CACHE_CAPACITY`. Both libraries read their
/// variable once, when they build their first primitive, so this must run before the first
/// forward pass of the process (the model stage calls it before loading the model).
pub fn limit_primitive_caches() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for var in ["ONEDNN_PRIMITIVE_CACHE_CAPACITY", "LRU_CACHE_CAPACITY"] {
            if std::env::var_os(var).is_none() {
                std::env::set_var(var, PRIMITIVE_CACHE_ENTRIES.to_string());
            }
        }
    });
}

/// Hands the C allocator's free memory back to the system (glibc's `malloc_trim`): loading the
/// model leaves about 55 MB of freed conversion buffers in the heap. A no-op elsewhere.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: malloc_trim only walks glibc's own heap; it takes no pointers of ours.
        unsafe {
            malloc_trim(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_caps_are_set_once_and_a_users_choice_is_kept() {
        limit_primitive_caches();
        for var in ["ONEDNN_PRIMITIVE_CACHE_CAPACITY", "LRU_CACHE_CAPACITY"] {
            let value = std::env::var(var).expect("set by the first call or by the user");
            assert!(value.parse::<usize>().is_ok(), "{var}={value}");
            limit_primitive_caches();
            assert_eq!(std::env::var(var).unwrap(), value);
        }
        release_free_memory();
    }
}
