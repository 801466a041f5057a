// SPDX-License-Identifier: GPL-3.0-or-later
//! MlpClassifier::set_monitor (genre_mlp_set_monitor, 1.1): the monitor
//! history is the validation history of the same fit given those rows as
//! validation rows, the fit itself keeps its bits, clearing gives NaN again,
//! and bad rows fail with the documented codes.
use genre::{sys, MlpClassifier};

const D: usize = 4;
const K: i32 = 3;
const EPOCHS: i64 = 5;

/// 400 rows of D columns, 3 classes shifted apart on column 0 (a fixed
/// xorshift stream, so every run sees the same rows).
fn data() -> (Vec<f64>, Vec<i32>) {
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let mut uniform = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut x, mut y) = (vec![], vec![]);
    for _ in 0..400 {
        let label = (uniform() * K as f64) as i32;
        for j in 0..D {
            x.push(2.0 * uniform() - 1.0 + if j == 0 { label as f64 } else { 0.0 });
        }
        y.push(label);
    }
    (x, y)
}

fn model() -> MlpClassifier {
    let mut m = MlpClassifier::new().unwrap();
    m.set_hidden_layers(&[8]).unwrap();
    m.set_i64(sys::GENRE_MLP_EPOCHS, EPOCHS).unwrap();
    m.set_i64(sys::GENRE_MLP_SEED, 2).unwrap();
    m.set_f64(sys::GENRE_MLP_LEARNING_RATE, 0.01).unwrap();
    m
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|f| f.to_bits()).collect()
}

#[test]
fn monitor_records_the_validation_curve_without_moving_the_fit() {
    let (x, y) = data();
    let (xt, yt) = (&x[..300 * D], &y[..300]);
    let (xm, ym) = (&x[300 * D..], &y[300..]);

    let mut plain = model();
    plain.fit(xt, D, yt).unwrap();
    let mut m = model();
    m.set_monitor(xm, D, ym).unwrap();
    m.fit(xt, D, yt).unwrap();
    assert_eq!(bits(&m.predict_proba(&x, D).unwrap()), bits(&plain.predict_proba(&x, D).unwrap()));
    assert_eq!(bits(&m.history(sys::GENRE_MLP_HISTORY_TRAIN_LOSS).unwrap()),
               bits(&plain.history(sys::GENRE_MLP_HISTORY_TRAIN_LOSS).unwrap()));

    // The same fit given the monitor rows as validation rows (the safe crate
    // has no validation fit: the raw call on a handle this test owns alone).
    let reference = model();
    let code = unsafe {
        sys::genre_mlp_fit(reference.as_ptr() as *mut sys::genre_mlp, xt.as_ptr(), 300, D, D,
                           yt.as_ptr(), xm.as_ptr(), 100, D, ym.as_ptr())
    };
    assert_eq!(code, sys::GENRE_OK);
    let loss = m.history(sys::GENRE_MLP_HISTORY_MONITOR_LOSS).unwrap();
    let accuracy = m.history(sys::GENRE_MLP_HISTORY_MONITOR_ACCURACY).unwrap();
    assert_eq!(loss.len(), EPOCHS as usize);
    assert!(loss.iter().chain(&accuracy).all(|v| v.is_finite()), "{:?} {:?}", loss, accuracy);
    assert_eq!(bits(&loss), bits(&reference.history(sys::GENRE_MLP_HISTORY_VAL_LOSS).unwrap()));
    assert_eq!(bits(&accuracy),
               bits(&reference.history(sys::GENRE_MLP_HISTORY_VAL_ACCURACY).unwrap()));
    // The last epoch's values are those of the fitted model on the monitor rows.
    let p = m.predict_proba(xm, D).unwrap();
    let cross_entropy = ym.iter().enumerate()
        .map(|(i, &c)| -p[i * K as usize + c as usize].ln()).sum::<f64>() / 100.0;
    assert!((loss[4] - cross_entropy).abs() <= 1e-12 * cross_entropy, "{} {}", loss[4], cross_entropy);
    let right = m.predict(xm, D).unwrap().iter().zip(ym).filter(|(a, b)| a == b).count();
    assert_eq!(accuracy[4], right as f64 / 100.0);

    // Without monitor rows, and once they are cleared, the history is NaN.
    let nan = |m: &MlpClassifier, which| m.history(which).unwrap().iter().all(|v| v.is_nan());
    assert!(nan(&plain, sys::GENRE_MLP_HISTORY_MONITOR_LOSS));
    assert!(nan(&plain, sys::GENRE_MLP_HISTORY_MONITOR_ACCURACY));
    m.clear_monitor().unwrap();
    m.clear_monitor().unwrap();
    m.fit(xt, D, yt).unwrap();
    assert!(nan(&m, sys::GENRE_MLP_HISTORY_MONITOR_LOSS));
    assert!(nan(&m, sys::GENRE_MLP_HISTORY_MONITOR_ACCURACY));
    assert_eq!(bits(&m.predict_proba(&x, D).unwrap()), bits(&plain.predict_proba(&x, D).unwrap()));
}

#[test]
fn monitor_errors() {
    let (x, y) = data();
    let (xt, yt) = (&x[..300 * D], &y[..300]);
    let (xm, ym) = (&x[300 * D..], &y[300..]);
    let mut m = model();
    let e = m.history(sys::GENRE_MLP_HISTORY_MONITOR_LOSS).unwrap_err();
    assert_eq!(e.code, sys::GENRE_E_BAD_STATE);

    m.set_monitor(xm, D, ym).unwrap();
    let mut bad = ym.to_vec();
    bad[7] = -1;
    let e = m.set_monitor(xm, D, &bad).unwrap_err();
    assert_eq!((e.code, e.name.as_str()), (sys::GENRE_E_INVALID_ARG, "GENRE_E_INVALID_ARG"));
    assert!(e.message.contains("labels[7] = -1"), "{}", e);
    bad[7] = 65536;
    assert_eq!(m.set_monitor(xm, D, &bad).unwrap_err().code, sys::GENRE_E_INVALID_ARG);
    let mut nan_rows = xm.to_vec();
    nan_rows[5 * D + 2] = f64::NAN;
    let e = m.set_monitor(&nan_rows, D, ym).unwrap_err();
    assert_eq!(e.code, sys::GENRE_E_NONFINITE);
    assert!(e.message.contains("genre_mlp_set_monitor"), "{}", e);
    // Checked on the Rust side: labels and rows must agree.
    let e = m.set_monitor(xm, D, &ym[1..]).unwrap_err();
    assert!(e.code == sys::GENRE_E_INVALID_ARG && e.message.contains("99 labels for 100 rows"), "{}", e);
    assert_eq!(m.set_monitor(&xm[1..], D, ym).unwrap_err().code, sys::GENRE_E_INVALID_ARG);
    assert_eq!(m.set_monitor(&[], D, &[]).unwrap_err().code, sys::GENRE_E_INVALID_ARG);
    // The failed calls kept the rows set before them.
    m.fit(xt, D, yt).unwrap();
    let kept = m.history(sys::GENRE_MLP_HISTORY_MONITOR_LOSS).unwrap();
    assert!(kept.iter().all(|v| v.is_finite()), "{:?}", kept);
    let unknown = sys::GENRE_MLP_HISTORY_MONITOR_ACCURACY + 1;
    assert_eq!(m.history(unknown).unwrap_err().code, sys::GENRE_E_INVALID_ARG);

    // At the fit: other columns, a label beyond the fit's classes. The
    // failed fit keeps the previous one.
    let before = bits(&m.predict_proba(&x, D).unwrap());
    let first_cols: Vec<f64> = xm.chunks(D).flat_map(|r| r[..D - 1].to_vec()).collect();
    m.set_monitor(&first_cols, D - 1, ym).unwrap();
    assert_eq!(m.fit(xt, D, yt).unwrap_err().code, sys::GENRE_E_SHAPE);
    bad[7] = K;
    m.set_monitor(xm, D, &bad).unwrap();
    let e = m.fit(xt, D, yt).unwrap_err();
    assert!(e.code == sys::GENRE_E_INVALID_ARG && e.message.contains("monitor label 7"), "{}", e);
    assert_eq!(bits(&m.predict_proba(&x, D).unwrap()), before);
    assert_eq!(bits(&m.history(sys::GENRE_MLP_HISTORY_MONITOR_LOSS).unwrap()), bits(&kept));
}
