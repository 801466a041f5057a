// SPDX-License-Identifier: GPL-3.0-or-later
//! Safe API over libgenre's stable C ABI.
//!
//! * Every handle is an owning type whose `Drop` calls the matching `*_free`.
//! * Every fallible call returns `Result<T, Error>`; [`Error`] carries the
//!   status code, its `GENRE_E_*` name and the library's message (read on the
//!   calling thread right after the call, where the C library keeps it).
//! * Matrices go in as row-major slices plus a column count (`x.len()` must be
//!   a multiple of it), results come back as `Vec`s the caller owns.
//! * Threading (genre/common.h): handles are `Send`; fitted models are also
//!   `Sync` because every `&self` method calls a `const` C function, which the
//!   C contract makes safe concurrently on one handle, while fit and the
//!   setters take `&mut self`.
use std::any::Any;
use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::ptr;

pub use genre_sys as sys;

/// A failed libgenre call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The status code (negative; `sys::GENRE_E_*`).
    pub code: i32,
    /// Its name, e.g. `"GENRE_E_SHAPE"`.
    pub name: String,
    /// The library's message: which function failed and why.
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.name, self.code, self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

fn cstr(p: *const std::os::raw::c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

impl Error {
    fn from_code(code: i32) -> Error {
        let mut message = cstr(unsafe { sys::genre_last_error() });
        if message.is_empty() {
            message = cstr(unsafe { sys::genre_status_str(code) });
        }
        Error { code, name: cstr(unsafe { sys::genre_status_name(code) }), message }
    }

    /// An argument rejected on the Rust side, before any C call.
    fn invalid(message: String) -> Error {
        let code = sys::GENRE_E_INVALID_ARG;
        Error { code, name: cstr(unsafe { sys::genre_status_name(code) }), message }
    }
}

fn check(code: i32) -> Result<()> {
    if code == 0 {
        Ok(())
    } else {
        Err(Error::from_code(code))
    }
}

/// The loaded library's version, e.g. "1.1.0".
pub fn version() -> String {
    cstr(unsafe { sys::genre_version_string() })
}

fn rows(x: &[f64], n_cols: usize, what: &str) -> Result<usize> {
    if n_cols == 0 || x.is_empty() || x.len() % n_cols != 0 {
        return Err(Error::invalid(format!(
            "{}: {} values do not form rows of {} columns",
            what,
            x.len(),
            n_cols
        )));
    }
    Ok(x.len() / n_cols)
}

fn path_c(p: &Path) -> Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(p.as_os_str().as_bytes())
        .map_err(|_| Error::invalid(format!("path {:?} contains a NUL byte", p)))
}

/// Calls `f(out, cap, needed)` once to learn the size and again to fill.
fn fetch<T: Copy + Default>(mut f: impl FnMut(*mut T, usize, *mut usize) -> i32) -> Result<Vec<T>> {
    let mut n = 0usize;
    let code = f(ptr::null_mut(), 0, &mut n);
    if code != 0 && code != sys::GENRE_E_BUFFER_TOO_SMALL {
        return Err(Error::from_code(code));
    }
    let mut v = vec![T::default(); n];
    check(f(v.as_mut_ptr(), v.len(), &mut n))?;
    v.truncate(n);
    Ok(v)
}

macro_rules! handle {
    ($name:ident, $raw:ident, $create:ident, $free:ident, $load:ident, $loadmem:ident,
     $save:ident, $savemem:ident) => {
        impl $name {
            /// A new, unfitted handle with the library's default parameters.
            pub fn new() -> Result<Self> {
                let mut h = ptr::null_mut();
                check(unsafe { sys::$create(&mut h) })?;
                Ok($name { h })
            }
            /// Loads a model saved by `save` or by any libgenre program.
            pub fn load(path: impl AsRef<Path>) -> Result<Self> {
                let p = path_c(path.as_ref())?;
                let mut h = ptr::null_mut();
                check(unsafe { sys::$load(&mut h, p.as_ptr()) })?;
                Ok($name { h })
            }
            pub fn from_bytes(buf: &[u8]) -> Result<Self> {
                let mut h = ptr::null_mut();
                check(unsafe { sys::$loadmem(&mut h, buf.as_ptr() as *const c_void, buf.len()) })?;
                Ok($name { h })
            }
            /// Saves the fitted model to a file (atomically).
            pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
                let p = path_c(path.as_ref())?;
                check(unsafe { sys::$save(self.h, p.as_ptr()) })
            }
            pub fn to_bytes(&self) -> Result<Vec<u8>> {
                fetch(|p: *mut u8, cap, n| unsafe { sys::$savemem(self.h, p as *mut c_void, cap, n) })
            }
            /// The raw handle, for calls this crate does not wrap.
            pub fn as_ptr(&self) -> *const sys::$raw {
                self.h
            }
        }
        impl Drop for $name {
            fn drop(&mut self) {
                unsafe { sys::$free(self.h) }
            }
        }
        // Distinct handles may be used from distinct threads.
        unsafe impl Send for $name {}
        // `&self` methods only call const functions: concurrent-safe per the C contract.
        unsafe impl Sync for $name {}
    };
}

/// Progress callback state: a panic in the closure cancels the C call and
/// is resumed once the call has returned.
struct Progress<'a> {
    f: &'a mut dyn FnMut(i32, i64, i64, f64) -> bool,
    panic: Option<Box<dyn Any + Send>>,
}

unsafe extern "C" fn progress_tramp(ud: *mut c_void, phase: i32, step: i64, total: i64, obj: f64) -> i32 {
    let p = &mut *(ud as *mut Progress);
    match catch_unwind(AssertUnwindSafe(|| (p.f)(phase, step, total, obj))) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            p.panic = Some(e);
            1
        }
    }
}

// ---- scaler ---------------------------------------------------------------

/// Per-column standardization (population std), fit on training rows.
pub struct StandardScaler {
    h: *mut sys::genre_scaler,
}
handle!(StandardScaler, genre_scaler, genre_scaler_create, genre_scaler_free, genre_scaler_load,
        genre_scaler_load_from_memory, genre_scaler_save, genre_scaler_save_to_memory);

impl StandardScaler {
    /// `mask[j] == false` passes column j through unchanged (codes such as key, mode).
    pub fn set_mask(&mut self, mask: Option<&[bool]>) -> Result<()> {
        let m: Vec<u8> = mask.unwrap_or(&[]).iter().map(|&b| b as u8).collect();
        let p = if m.is_empty() { ptr::null() } else { m.as_ptr() };
        check(unsafe { sys::genre_scaler_set_mask(self.h, p, m.len()) })
    }
    pub fn fit(&mut self, x: &[f64], n_cols: usize) -> Result<()> {
        let n = rows(x, n_cols, "genre_scaler_fit")?;
        check(unsafe { sys::genre_scaler_fit(self.h, x.as_ptr(), n, n_cols, n_cols) })
    }
    pub fn transform(&self, x: &[f64], n_cols: usize) -> Result<Vec<f64>> {
        let n = rows(x, n_cols, "genre_scaler_transform")?;
        let mut out = vec![0.0; x.len()];
        check(unsafe {
            sys::genre_scaler_transform(self.h, x.as_ptr(), n, n_cols, n_cols, out.as_mut_ptr(),
                                        out.len(), ptr::null_mut())
        })?;
        Ok(out)
    }
    pub fn mean(&self) -> Result<Vec<f64>> {
        fetch(|p, c, n| unsafe { sys::genre_scaler_get_mean(self.h, p, c, n) })
    }
    pub fn scale(&self) -> Result<Vec<f64>> {
        fetch(|p, c, n| unsafe { sys::genre_scaler_get_scale(self.h, p, c, n) })
    }
}

// ---- PCA -------------------------------------------------------------------

/// Principal components by covariance eigen-decomposition.
pub struct Pca {
    h: *mut sys::genre_pca,
}
handle!(Pca, genre_pca, genre_pca_create, genre_pca_free, genre_pca_load,
        genre_pca_load_from_memory, genre_pca_save, genre_pca_save_to_memory);

impl Pca {
    /// 0 keeps min(n_features, n_rows - 1) components.
    pub fn set_n_components(&mut self, k: i64) -> Result<()> {
        check(unsafe { sys::genre_pca_set_i64(self.h, sys::GENRE_PCA_N_COMPONENTS, k) })
    }
    pub fn fit(&mut self, x: &[f64], n_cols: usize) -> Result<()> {
        let n = rows(x, n_cols, "genre_pca_fit")?;
        check(unsafe { sys::genre_pca_fit(self.h, x.as_ptr(), n, n_cols, n_cols) })
    }
    pub fn n_components(&self) -> Result<usize> {
        let mut v = 0i64;
        check(unsafe { sys::genre_pca_get_i64(self.h, sys::GENRE_PCA_N_COMPONENTS_FITTED, &mut v) })?;
        Ok(v as usize)
    }
    pub fn transform(&self, x: &[f64], n_cols: usize) -> Result<Vec<f64>> {
        let n = rows(x, n_cols, "genre_pca_transform")?;
        let mut out = vec![0.0; n * self.n_components()?];
        check(unsafe {
            sys::genre_pca_transform(self.h, x.as_ptr(), n, n_cols, n_cols, out.as_mut_ptr(),
                                     out.len(), ptr::null_mut())
        })?;
        Ok(out)
    }
    pub fn explained_variance_ratio(&self) -> Result<Vec<f64>> {
        fetch(|p, c, n| unsafe { sys::genre_pca_get_explained_variance_ratio(self.h, p, c, n) })
    }
}

// ---- LDA -------------------------------------------------------------------

/// Linear discriminant analysis: projection and classifier.
pub struct Lda {
    h: *mut sys::genre_lda,
}
handle!(Lda, genre_lda, genre_lda_create, genre_lda_free, genre_lda_load,
        genre_lda_load_from_memory, genre_lda_save, genre_lda_save_to_memory);

impl Lda {
    pub fn fit(&mut self, x: &[f64], n_cols: usize, y: &[i32]) -> Result<()> {
        let n = rows(x, n_cols, "genre_lda_fit")?;
        if y.len() != n {
            return Err(Error::invalid(format!("genre_lda_fit: {} labels for {} rows", y.len(), n)));
        }
        check(unsafe { sys::genre_lda_fit(self.h, x.as_ptr(), n, n_cols, n_cols, y.as_ptr()) })
    }
    fn get(&self, key: i32) -> Result<usize> {
        let mut v = 0i64;
        check(unsafe { sys::genre_lda_get_i64(self.h, key, &mut v) })?;
        Ok(v as usize)
    }
    pub fn n_classes(&self) -> Result<usize> {
        self.get(sys::GENRE_LDA_N_CLASSES)
    }
    pub fn transform(&self, x: &[f64], n_cols: usize) -> Result<Vec<f64>> {
        let n = rows(x, n_cols, "genre_lda_transform")?;
        let mut out = vec![0.0; n * self.get(sys::GENRE_LDA_N_COMPONENTS_FITTED)?];
        check(unsafe {
            sys::genre_lda_transform(self.h, x.as_ptr(), n, n_cols, n_cols, out.as_mut_ptr(),
                                     out.len(), ptr::null_mut())
        })?;
        Ok(out)
    }
    pub fn predict_proba(&self, x: &[f64], n_cols: usize) -> Result<Vec<f64>> {
        let n = rows(x, n_cols, "genre_lda_predict_proba")?;
        let mut out = vec![0.0; n * self.n_classes()?];
        check(unsafe {
            sys::genre_lda_predict_proba(self.h, x.as_ptr(), n, n_cols, n_cols, out.as_mut_ptr(),
                                         out.len(), ptr::null_mut())
        })?;
        Ok(out)
    }
    pub fn predict(&self, x: &[f64], n_cols: usize) -> Result<Vec<i32>> {
        let n = rows(x, n_cols, "genre_lda_predict")?;
        let mut out = vec![0; n];
        check(unsafe {
            sys::genre_lda_predict(self.h, x.as_ptr(), n, n_cols, n_cols, out.as_mut_ptr(),
                                   out.len(), ptr::null_mut())
        })?;
        Ok(out)
    }
    pub fn explained_variance_ratio(&self) -> Result<Vec<f64>> {
        fetch(|p, c, n| unsafe { sys::genre_lda_get_explained_variance_ratio(self.h, p, c, n) })
    }
}

// ---- MLP -------------------------------------------------------------------

/// Multi-layer perceptron classifier (softmax, cross-entropy).
pub struct MlpClassifier {
    h: *mut sys::genre_mlp,
}
handle!(MlpClassifier, genre_mlp, genre_mlp_create, genre_mlp_free, genre_mlp_load,
        genre_mlp_load_from_memory, genre_mlp_save, genre_mlp_save_to_memory);

impl MlpClassifier {
    pub fn set_hidden_layers(&mut self, widths: &[i32]) -> Result<()> {
        let p = if widths.is_empty() { ptr::null() } else { widths.as_ptr() };
        check(unsafe { sys::genre_mlp_set_hidden_layers(self.h, p, widths.len()) })
    }
    /// An integer key (`sys::GENRE_MLP_EPOCHS`, `GENRE_MLP_SEED`, ...).
    pub fn set_i64(&mut self, key: i32, value: i64) -> Result<()> {
        check(unsafe { sys::genre_mlp_set_i64(self.h, key, value) })
    }
    /// A real key (`sys::GENRE_MLP_LEARNING_RATE`, ...).
    pub fn set_f64(&mut self, key: i32, value: f64) -> Result<()> {
        check(unsafe { sys::genre_mlp_set_f64(self.h, key, value) })
    }
    pub fn get_i64(&self, key: i32) -> Result<i64> {
        let mut v = 0i64;
        check(unsafe { sys::genre_mlp_get_i64(self.h, key, &mut v) })?;
        Ok(v)
    }
    pub fn fit(&mut self, x: &[f64], n_cols: usize, y: &[i32]) -> Result<()> {
        self.fit_with_progress(x, n_cols, y, |_, _, _, _| true)
    }
    /// As `fit`, calling `progress(phase, epoch, epochs, loss)` once per epoch;
    /// returning `false` cancels (`GENRE_E_CANCELLED`, the previous fit is
    /// kept); a panic in it cancels the fit and is resumed after the C call.
    pub fn fit_with_progress<F>(&mut self, x: &[f64], n_cols: usize, y: &[i32], mut progress: F)
        -> Result<()>
    where
        F: FnMut(i32, i64, i64, f64) -> bool,
    {
        let n = rows(x, n_cols, "genre_mlp_fit")?;
        if y.len() != n {
            return Err(Error::invalid(format!("genre_mlp_fit: {} labels for {} rows", y.len(), n)));
        }
        let mut state = Progress { f: &mut progress, panic: None };
        let ud = &mut state as *mut Progress as *mut c_void;
        check(unsafe { sys::genre_mlp_set_progress(self.h, Some(progress_tramp), ud) })?;
        let code = unsafe {
            sys::genre_mlp_fit(self.h, x.as_ptr(), n, n_cols, n_cols, y.as_ptr(), ptr::null(), 0, 0,
                               ptr::null())
        };
        let r = check(code);
        unsafe { sys::genre_mlp_set_progress(self.h, None, ptr::null_mut()) };
        if let Some(p) = state.panic.take() {
            std::panic::resume_unwind(p);
        }
        r
    }
    pub fn n_outputs(&self) -> Result<usize> {
        Ok(self.get_i64(sys::GENRE_MLP_N_OUTPUTS)? as usize)
    }
    pub fn predict_proba(&self, x: &[f64], n_cols: usize) -> Result<Vec<f64>> {
        let n = rows(x, n_cols, "genre_mlp_predict_proba")?;
        let mut out = vec![0.0; n * self.n_outputs()?];
        check(unsafe {
            sys::genre_mlp_predict_proba(self.h, x.as_ptr(), n, n_cols, n_cols, out.as_mut_ptr(),
                                         out.len(), ptr::null_mut())
        })?;
        Ok(out)
    }
    pub fn predict(&self, x: &[f64], n_cols: usize) -> Result<Vec<i32>> {
        let n = rows(x, n_cols, "genre_mlp_predict")?;
        let mut out = vec![0; n];
        check(unsafe {
            sys::genre_mlp_predict(self.h, x.as_ptr(), n, n_cols, n_cols, out.as_mut_ptr(),
                                   out.len(), ptr::null_mut())
        })?;
        Ok(out)
    }
}

impl MlpClassifier {
    /// Trains on sparse rows (`genre_mlp_fit_csr`): the first layer costs
    /// O(nnz) per batch, e.g. hashed names from [`TextHasher`].
    pub fn fit_csr(&mut self, x: &Csr, y: &[i32]) -> Result<()> {
        x.validate("genre_mlp_fit_csr")?;
        if y.len() != x.n_rows() {
            return Err(Error::invalid(format!("genre_mlp_fit_csr: {} labels for {} rows",
                                              y.len(), x.n_rows())));
        }
        check(unsafe {
            sys::genre_mlp_fit_csr(self.h, x.n_rows(), x.n_cols, x.nnz(), x.row_ptr.as_ptr(),
                                   x.col_idx.as_ptr(), x.values.as_ptr(), y.as_ptr(), 0, 0,
                                   ptr::null(), ptr::null(), ptr::null(), ptr::null())
        })
    }
    /// Class probabilities of sparse rows, n_rows x n_outputs row-major.
    pub fn predict_proba_csr(&self, x: &Csr) -> Result<Vec<f64>> {
        x.validate("genre_mlp_predict_proba_csr")?;
        let mut out = vec![0.0; x.n_rows() * self.n_outputs()?];
        check(unsafe {
            sys::genre_mlp_predict_proba_csr(self.h, x.n_rows(), x.n_cols, x.nnz(),
                                             x.row_ptr.as_ptr(),
                                             x.col_idx.as_ptr(), x.values.as_ptr(),
                                             out.as_mut_ptr(), out.len(), ptr::null_mut())
        })?;
        Ok(out)
    }
}

impl MlpClassifier {
    /// Monitor rows (`genre_mlp_set_monitor`, libgenre 1.1): every later
    /// `fit` or `fit_csr` records their loss and accuracy per epoch, read with
    /// `history(sys::GENRE_MLP_HISTORY_MONITOR_LOSS)` and
    /// `GENRE_MLP_HISTORY_MONITOR_ACCURACY`, without them touching the
    /// training: weights and every other history keep their bits, and the
    /// curve is the validation history of the same fit given these rows as
    /// validation rows (patience 0). `x` is dense, row-major, with the fit's
    /// `n_cols` columns (also for a CSR fit), `y` its labels; both are copied,
    /// so the slices may be dropped after the call. The rows stay set for
    /// every later fit (also across `set_*` calls) until replaced or
    /// [`clear_monitor`](Self::clear_monitor)ed; save/load does not keep them.
    ///
    /// Errors: `GENRE_E_INVALID_ARG` for a label outside [0, 65536) (the
    /// message names the row) or slices that do not form `y.len()` rows of
    /// `n_cols`; `GENRE_E_NONFINITE` for NaN/Inf in `x`; a failed call keeps
    /// the rows set before it. At the next fit: `GENRE_E_SHAPE` when the fit
    /// has other columns, `GENRE_E_INVALID_ARG` for a label not below its
    /// class count.
    pub fn set_monitor(&mut self, x: &[f64], n_cols: usize, y: &[i32]) -> Result<()> {
        let n = rows(x, n_cols, "genre_mlp_set_monitor")?;
        if y.len() != n {
            return Err(Error::invalid(format!("genre_mlp_set_monitor: {} labels for {} rows",
                                              y.len(), n)));
        }
        check(unsafe { sys::genre_mlp_set_monitor(self.h, x.as_ptr(), n, n_cols, n_cols, y.as_ptr()) })
    }
    /// Removes the monitor rows (`genre_mlp_set_monitor` with no rows): later
    /// fits record NaN monitor histories. A no-op without rows.
    pub fn clear_monitor(&mut self) -> Result<()> {
        check(unsafe { sys::genre_mlp_set_monitor(self.h, ptr::null(), 0, 0, 0, ptr::null()) })
    }
    /// One value per epoch of the last fit (`genre_mlp_get_history`); `which`
    /// is `sys::GENRE_MLP_HISTORY_*` (train loss, validation loss and
    /// accuracy, monitor loss and accuracy), NaN where the fit had no
    /// validation or monitor rows. `GENRE_E_BAD_STATE` before a fit,
    /// `GENRE_E_INVALID_ARG` for an unknown `which`.
    pub fn history(&self, which: i32) -> Result<Vec<f64>> {
        fetch(|p, c, n| unsafe { sys::genre_mlp_get_history(self.h, which, p, c, n) })
    }
}

// ---- text ----------------------------------------------------------------------

/// A sparse matrix in CSR form, the types the C API takes: `row_ptr` has
/// n_rows + 1 entries starting at 0, `col_idx` and `values` nnz each.
#[derive(Clone, Debug, PartialEq)]
pub struct Csr {
    pub row_ptr: Vec<usize>,
    pub col_idx: Vec<u32>,
    pub values: Vec<f64>,
    pub n_cols: usize,
}

impl Csr {
    pub fn n_rows(&self) -> usize {
        self.row_ptr.len().saturating_sub(1)
    }
    pub fn nnz(&self) -> usize {
        self.col_idx.len()
    }
    /// The slice lengths agree (the C side checks the contents against nnz).
    fn validate(&self, what: &str) -> Result<()> {
        if self.row_ptr.len() < 2 || self.col_idx.len() != self.values.len()
            || *self.row_ptr.last().unwrap() != self.col_idx.len()
        {
            return Err(Error::invalid(format!(
                "{}: CSR with {} row pointers, {} indices and {} values is inconsistent",
                what, self.row_ptr.len(), self.col_idx.len(), self.values.len())));
        }
        Ok(())
    }
    /// `[self | dense]`: the n_dense columns of `x` (row-major) appended
    /// after this matrix's columns (`genre_text_csr_append_dense`).
    pub fn append_dense(&self, x: &[f64], n_dense: usize) -> Result<Csr> {
        self.validate("genre_text_csr_append_dense")?;
        let n = rows(x, n_dense, "genre_text_csr_append_dense")?;
        if n != self.n_rows() {
            return Err(Error::invalid(format!("genre_text_csr_append_dense: {} dense rows for {} \
                                               CSR rows", n, self.n_rows())));
        }
        let nnz = self.nnz() + n * n_dense;
        let mut out = Csr { row_ptr: vec![0; n + 1], col_idx: vec![0; nnz], values: vec![0.0; nnz],
                            n_cols: self.n_cols + n_dense };
        check(unsafe {
            sys::genre_text_csr_append_dense(n, self.n_cols, self.nnz(), self.row_ptr.as_ptr(),
                                             self.col_idx.as_ptr(), self.values.as_ptr(),
                                             x.as_ptr(), n_dense, n_dense,
                                             out.row_ptr.as_mut_ptr(), out.col_idx.as_mut_ptr(),
                                             out.values.as_mut_ptr(), nnz, ptr::null_mut())
        })?;
        Ok(out)
    }
}

/// Hashed word and character n-gram features of names (`genre_text`).
pub struct TextHasher {
    h: *mut sys::genre_text,
}
handle!(TextHasher, genre_text, genre_text_create, genre_text_free, genre_text_load,
        genre_text_load_from_memory, genre_text_save, genre_text_save_to_memory);

/// NUL-terminated copies of `rows x n_fields` names and their pointers.
fn c_names(names: &[&str], n_fields: usize, what: &str) -> Result<(Vec<CString>, Vec<*const std::os::raw::c_char>)> {
    if n_fields == 0 || names.is_empty() || names.len() % n_fields != 0 {
        return Err(Error::invalid(format!("{}: {} names do not form rows of {} fields",
                                          what, names.len(), n_fields)));
    }
    let owned = names.iter().map(|s| CString::new(*s).map_err(|_| Error::invalid(
        format!("{}: a name contains a NUL byte", what)))).collect::<Result<Vec<_>>>()?;
    let ptrs = owned.iter().map(|c| c.as_ptr()).collect();
    Ok((owned, ptrs))
}

impl TextHasher {
    /// An integer key (`sys::GENRE_TEXT_N_BUCKETS`, `GENRE_TEXT_SEED`, ...).
    pub fn set_i64(&mut self, key: i32, value: i64) -> Result<()> {
        check(unsafe { sys::genre_text_set_i64(self.h, key, value) })
    }
    pub fn get_i64(&self, key: i32) -> Result<i64> {
        let mut v = 0i64;
        check(unsafe { sys::genre_text_get_i64(self.h, key, &mut v) })?;
        Ok(v)
    }
    /// Learns the idf from rows of `n_fields` names laid end to end
    /// (e.g. artist, track, artist, track, ...).
    pub fn fit(&mut self, names: &[&str], n_fields: usize) -> Result<()> {
        let (_owned, ptrs) = c_names(names, n_fields, "genre_text_fit")?;
        check(unsafe { sys::genre_text_fit(self.h, ptrs.as_ptr(), ptrs.len() / n_fields, n_fields) })
    }
    /// The CSR matrix of the rows.
    pub fn transform(&self, names: &[&str], n_fields: usize) -> Result<Csr> {
        let (_owned, ptrs) = c_names(names, n_fields, "genre_text_transform")?;
        let n = ptrs.len() / n_fields;
        let mut row_ptr = vec![0usize; n + 1];
        let mut nnz = 0usize;
        let code = unsafe {
            sys::genre_text_transform(self.h, ptrs.as_ptr(), n, n_fields, row_ptr.as_mut_ptr(),
                                      ptr::null_mut(), ptr::null_mut(), 0, &mut nnz)
        };
        if code != 0 && code != sys::GENRE_E_BUFFER_TOO_SMALL {
            return Err(Error::from_code(code));
        }
        let mut col_idx = vec![0u32; nnz];
        let mut values = vec![0.0; nnz];
        check(unsafe {
            sys::genre_text_transform(self.h, ptrs.as_ptr(), n, n_fields, row_ptr.as_mut_ptr(),
                                      col_idx.as_mut_ptr(), values.as_mut_ptr(), nnz, &mut nnz)
        })?;
        let n_cols = self.get_i64(sys::GENRE_TEXT_N_FEATURES)? as usize;
        Ok(Csr { row_ptr, col_idx, values, n_cols })
    }
}

/// MurmurHash3_x86_32 of `data` (the hash behind the text columns).
pub fn text_hash(data: &[u8], seed: u32) -> u32 {
    unsafe { sys::genre_text_hash(data.as_ptr() as *const c_void, data.len(), seed) }
}

// ---- k-means ------------------------------------------------------------------

/// k-means (Lloyd, k-means++ restarts).
pub struct KMeans {
    h: *mut sys::genre_kmeans,
}
handle!(KMeans, genre_kmeans, genre_kmeans_create, genre_kmeans_free, genre_kmeans_load,
        genre_kmeans_load_from_memory, genre_kmeans_save, genre_kmeans_save_to_memory);

impl KMeans {
    pub fn set_k(&mut self, k: i64) -> Result<()> {
        check(unsafe { sys::genre_kmeans_set_i64(self.h, sys::GENRE_KMEANS_K, k) })
    }
    pub fn fit(&mut self, x: &[f64], n_cols: usize) -> Result<()> {
        let n = rows(x, n_cols, "genre_kmeans_fit")?;
        check(unsafe { sys::genre_kmeans_fit(self.h, x.as_ptr(), n, n_cols, n_cols) })
    }
    pub fn labels(&self) -> Result<Vec<i32>> {
        fetch(|p, c, n| unsafe { sys::genre_kmeans_get_labels(self.h, p, c, n) })
    }
    pub fn centers(&self) -> Result<Vec<f64>> {
        fetch(|p, c, n| unsafe { sys::genre_kmeans_get_centers(self.h, p, c, n) })
    }
}

// ---- metrics -------------------------------------------------------------------

pub mod metrics {
    use super::*;

    /// One-vs-rest AUROC of row-major `proba` (n x n_classes);
    /// `average` is `sys::GENRE_METRICS_AVERAGE_*`.
    pub fn roc_auc_ovr(y: &[i32], proba: &[f64], n_classes: usize, average: i32) -> Result<f64> {
        let n = rows(proba, n_classes, "genre_metrics_roc_auc_ovr")?;
        if y.len() != n {
            return Err(Error::invalid(format!("{} labels for {} rows", y.len(), n)));
        }
        let mut v = 0.0;
        check(unsafe {
            sys::genre_metrics_roc_auc_ovr(y.as_ptr(), proba.as_ptr(), n, n_classes, n_classes,
                                           average, &mut v)
        })?;
        Ok(v)
    }

    pub fn accuracy(y_true: &[i32], y_pred: &[i32]) -> Result<f64> {
        if y_true.len() != y_pred.len() {
            return Err(Error::invalid("y_true and y_pred differ in length".into()));
        }
        let mut v = 0.0;
        check(unsafe { sys::genre_metrics_accuracy(y_true.as_ptr(), y_pred.as_ptr(), y_true.len(), &mut v) })?;
        Ok(v)
    }
}

// ---- datasets (reading CSV) -------------------------------------------------------

/// A CSV schema: what each column is.
pub struct Schema {
    h: *mut sys::genre_dataset_schema,
}

impl Schema {
    pub fn new() -> Result<Schema> {
        let mut h = ptr::null_mut();
        check(unsafe { sys::genre_dataset_schema_create(&mut h) })?;
        Ok(Schema { h })
    }
    /// `role` is `sys::GENRE_COL_*`.
    pub fn add_column(&mut self, name: &str, role: i32) -> Result<()> {
        let c = CString::new(name).map_err(|_| Error::invalid("NUL in column name".into()))?;
        check(unsafe { sys::genre_dataset_schema_add_column(self.h, c.as_ptr(), role) })
    }
    /// Declares a text that marks a missing value; `column` None: every column.
    pub fn add_missing_text(&mut self, column: Option<&str>, text: &str) -> Result<()> {
        let t = CString::new(text).map_err(|_| Error::invalid("NUL in marker".into()))?;
        let c = match column {
            Some(c) => Some(CString::new(c).map_err(|_| Error::invalid("NUL in column name".into()))?),
            None => None,
        };
        let cp = c.as_ref().map_or(ptr::null(), |c| c.as_ptr());
        check(unsafe { sys::genre_dataset_schema_add_missing_text(self.h, cp, t.as_ptr()) })
    }
    /// Sets an option, `key` a `sys::GENRE_SCHEMA_*` (separator, inference keys, limits).
    pub fn set_i64(&mut self, key: i32, value: i64) -> Result<()> {
        check(unsafe { sys::genre_dataset_schema_set_i64(self.h, key, value) })
    }
    /// Reads an option, `key` a `sys::GENRE_SCHEMA_*`.
    pub fn get_i64(&self, key: i32) -> Result<i64> {
        let mut v = 0i64;
        check(unsafe { sys::genre_dataset_schema_get_i64(self.h, key, &mut v) })?;
        Ok(v)
    }
    /// Proposes a schema for the labelled CSV file at `path` (plain or gzip):
    /// every header column numeric, categorical, text or ignore, `label` the
    /// label (genre_dataset_schema_infer). `options`: None for the defaults,
    /// or a schema without columns whose options (`GENRE_SCHEMA_SEPARATOR`,
    /// `GENRE_SCHEMA_INFER_*`, limits) and every-column markers are used.
    pub fn infer(path: impl AsRef<Path>, label: &str, options: Option<&Schema>) -> Result<Schema> {
        let p = path_c(path.as_ref())?;
        let l = CString::new(label).map_err(|_| Error::invalid("NUL in label".into()))?;
        let o = options.map_or(ptr::null(), |o| o.h as *const _);
        let mut h = ptr::null_mut();
        check(unsafe { sys::genre_dataset_schema_infer(&mut h, o, p.as_ptr(), l.as_ptr()) })?;
        Ok(Schema { h })
    }
    /// `Schema::infer` on bytes in memory; `name` is what messages call them.
    pub fn infer_bytes(data: &[u8], name: &str, label: &str, options: Option<&Schema>) -> Result<Schema> {
        let n = CString::new(name).map_err(|_| Error::invalid("NUL in name".into()))?;
        let l = CString::new(label).map_err(|_| Error::invalid("NUL in label".into()))?;
        let o = options.map_or(ptr::null(), |o| o.h as *const _);
        let mut h = ptr::null_mut();
        check(unsafe {
            sys::genre_dataset_schema_infer_from_memory(&mut h, o, data.as_ptr() as *const c_void, data.len(),
                                                   n.as_ptr(), l.as_ptr())
        })?;
        Ok(Schema { h })
    }
    /// What inference saw, one fact per line (empty for a schema not inferred).
    pub fn notes(&self) -> Result<String> {
        let b: Vec<u8> = fetch(|p: *mut u8, c, n| unsafe {
            sys::genre_dataset_schema_infer_notes(self.h, p as *mut std::os::raw::c_char, c, n)
        })?;
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        Ok(String::from_utf8_lossy(&b[..end]).into_owned())
    }
    /// The built-in schema of the "Prediction of Music Genre" table.
    pub fn music_genre() -> Result<Schema> {
        let mut h = ptr::null_mut();
        check(unsafe { sys::genre_dataset_schema_create_music_genre(&mut h) })?;
        Ok(Schema { h })
    }
    /// A schema from the text of a schema file (docs/dataset.md, "Schema
    /// files"); errors say "name:line: ...".
    pub fn parse(text: &str, name: &str) -> Result<Schema> {
        let n = CString::new(name).map_err(|_| Error::invalid("NUL in the name".into()))?;
        let mut h = ptr::null_mut();
        check(unsafe {
            sys::genre_dataset_schema_load_from_memory(&mut h, text.as_ptr() as *const _, text.len(),
                                            n.as_ptr())
        })?;
        Ok(Schema { h })
    }
    /// A schema from a schema file.
    pub fn read(path: impl AsRef<Path>) -> Result<Schema> {
        let p = path_c(path.as_ref())?;
        let mut h = ptr::null_mut();
        check(unsafe { sys::genre_dataset_schema_load(&mut h, p.as_ptr()) })?;
        Ok(Schema { h })
    }
    /// The schema as schema-file text; `Schema::parse(&s.write()?, ..)`
    /// gives the same schema.
    pub fn write(&self) -> Result<String> {
        let mut v: Vec<u8> =
            fetch(|p, c, n| unsafe { sys::genre_dataset_schema_save_to_memory(self.h, p as *mut _, c, n) })?;
        if let Some(end) = v.iter().position(|&b| b == 0) {
            v.truncate(end);
        }
        String::from_utf8(v).map_err(|_| Error::invalid("schema text is not UTF-8".into()))
    }
    /// `(name, sys::GENRE_COL_* role)` of every column, in declaration order.
    pub fn columns(&self) -> Result<Vec<(String, i32)>> {
        let mut n = 0usize;
        check(unsafe { sys::genre_dataset_schema_column_count(self.h, &mut n) })?;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let mut role = 0i32;
            let mut v: Vec<u8> = fetch(|p, c, need| unsafe {
                sys::genre_dataset_schema_column(self.h, i, p as *mut _, c, need, &mut role)
            })?;
            if let Some(end) = v.iter().position(|&b| b == 0) {
                v.truncate(end);
            }
            out.push((String::from_utf8_lossy(&v).into_owned(), role));
        }
        Ok(out)
    }
    /// Declares how `genre_dataset_prep_add_declared` fills the column
    /// (`sys::GENRE_IMPUTE_*`).
    pub fn set_impute(&mut self, column: &str, kind: i32) -> Result<()> {
        let c = CString::new(column).map_err(|_| Error::invalid("NUL in column name".into()))?;
        check(unsafe { sys::genre_dataset_schema_set_impute(self.h, c.as_ptr(), kind) })
    }
    /// The declared `sys::GENRE_IMPUTE_*` kind (`GENRE_IMPUTE_NONE` also when
    /// nothing is declared).
    pub fn get_impute(&self, column: &str) -> Result<i32> {
        let c = CString::new(column).map_err(|_| Error::invalid("NUL in column name".into()))?;
        let mut k = 0i32;
        check(unsafe { sys::genre_dataset_schema_get_impute(self.h, c.as_ptr(), &mut k) })?;
        Ok(k)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        unsafe { sys::genre_dataset_schema_free(self.h) }
    }
}
unsafe impl Send for Schema {}

/// A table read from CSV (gzip is recognised).
pub struct Dataset {
    h: *mut sys::genre_dataset,
}

impl Dataset {
    pub fn read_csv(path: impl AsRef<Path>, schema: &Schema) -> Result<Dataset> {
        let p = path_c(path.as_ref())?;
        let mut h = ptr::null_mut();
        check(unsafe { sys::genre_dataset_read(&mut h, schema.h, p.as_ptr()) })?;
        Ok(Dataset { h })
    }
    /// One counter of the read report, e.g. ("read", Some("x"), "missing").
    pub fn report_value(&self, step: &str, column: Option<&str>, counter: &str) -> Result<i64> {
        let s = CString::new(step).map_err(|_| Error::invalid("NUL in step".into()))?;
        let k = CString::new(counter).map_err(|_| Error::invalid("NUL in counter".into()))?;
        let c = match column {
            Some(c) => Some(CString::new(c).map_err(|_| Error::invalid("NUL in column".into()))?),
            None => None,
        };
        let cp = c.as_ref().map_or(ptr::null(), |c| c.as_ptr());
        let mut v = 0i64;
        check(unsafe { sys::genre_dataset_report_value(self.h, s.as_ptr(), cp, k.as_ptr(), &mut v) })?;
        Ok(v)
    }
    /// The named numeric columns as a row-major matrix.
    pub fn to_matrix(&self, columns: &[&str]) -> Result<Vec<f64>> {
        let cs = columns.iter().map(|c| CString::new(*c))
            .collect::<std::result::Result<Vec<CString>, _>>()
            .map_err(|_| Error::invalid("NUL in a column name".into()))?;
        let ps: Vec<*const std::os::raw::c_char> = cs.iter().map(|c| c.as_ptr()).collect();
        fetch(|p, c, n| unsafe { sys::genre_dataset_export_matrix(self.h, ps.as_ptr(), ps.len(), p, c, n) })
    }
}

impl Drop for Dataset {
    fn drop(&mut self) {
        unsafe { sys::genre_dataset_free(self.h) }
    }
}
unsafe impl Send for Dataset {}
unsafe impl Sync for Dataset {}
