// SPDX-License-Identifier: GPL-3.0-or-later
// C++17 over libgenre's C API: each handle lives in a std::unique_ptr whose
// deleter is the matching genre_*_free, and every status becomes an
// exception carrying the code, its name and the library's message.
//   c++ -std=c++17 genre_raii.cpp $(pkg-config --cflags --libs genre)
//   ./a.out [model-dir]      (saves lda.genre and mlp.genre there)
#include <genre/genre.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct genre_error : std::runtime_error {
    genre_status code;
    explicit genre_error(genre_status c)
        : std::runtime_error(std::string(genre_status_name(c)) + ": " + genre_last_error()),
          code(c) {}
};

void check(genre_status s) {
    if (s != GENRE_OK) throw genre_error(s);
}

template <class T, void (*Free)(T *)> struct deleter {
    void operator()(T *p) const noexcept { Free(p); }
};
template <class T, void (*Free)(T *)> using handle = std::unique_ptr<T, deleter<T, Free>>;
using scaler_ptr = handle<genre_scaler, genre_scaler_free>;
using lda_ptr = handle<genre_lda, genre_lda_free>;
using mlp_ptr = handle<genre_mlp, genre_mlp_free>;

// Wraps a T **out constructor: make<lda_ptr>(genre_lda_create).
template <class Ptr, class Fn, class... Args> Ptr make(Fn fn, Args... args) {
    typename Ptr::pointer raw = nullptr;
    check(fn(&raw, args...));
    return Ptr(raw);
}

}  // namespace

int main(int argc, char **argv) try {
    const std::string dir = argc > 1 ? argv[1] : ".";
    // n training rows, then m held-out rows the MLP fit monitors.
    constexpr size_t n = 600, m = 150, d = 4, k = 3;
    std::mt19937_64 rng(7);
    std::normal_distribution<double> noise(0.0, 1.0);
    std::vector<double> x((n + m) * d);
    std::vector<int32_t> y(n + m);
    for (size_t i = 0; i < n + m; i++) {
        y[i] = static_cast<int32_t>(i % k);
        for (size_t j = 0; j < d; j++) x[i * d + j] = noise(rng) + (j == size_t(y[i]) ? 2.5 : 0) + 10 * j;
    }

    auto scaler = make<scaler_ptr>(genre_scaler_create);
    check(genre_scaler_fit(scaler.get(), x.data(), n, d, d));
    std::vector<double> z((n + m) * d);
    check(genre_scaler_transform(scaler.get(), x.data(), n + m, d, d, z.data(), z.size(), nullptr));

    auto lda = make<lda_ptr>(genre_lda_create);
    check(genre_lda_fit(lda.get(), z.data(), n, d, d, y.data()));
    std::vector<double> proba(n * k);
    check(genre_lda_predict_proba(lda.get(), z.data(), n, d, d, proba.data(), proba.size(), nullptr));
    double lda_auc = 0;
    check(genre_metrics_roc_auc_ovr(y.data(), proba.data(), n, k, k, GENRE_METRICS_AVERAGE_MACRO, &lda_auc));

    auto mlp = make<mlp_ptr>(genre_mlp_create);
    const int32_t hidden[] = {8};
    check(genre_mlp_set_hidden_layers(mlp.get(), hidden, 1));
    constexpr size_t epochs = 50;
    check(genre_mlp_set_i64(mlp.get(), GENRE_MLP_EPOCHS, epochs));
    // Monitor rows (libgenre 1.1): the fit records their loss per epoch
    // without them touching the training.
    check(genre_mlp_set_monitor(mlp.get(), z.data() + n * d, m, d, d, y.data() + n));
    check(genre_mlp_fit(mlp.get(), z.data(), n, d, d, y.data(), nullptr, 0, 0, nullptr));
    std::vector<double> held_out_loss(epochs);
    size_t epochs_run = 0;
    check(genre_mlp_get_history(mlp.get(), GENRE_MLP_HISTORY_MONITOR_LOSS, held_out_loss.data(),
                                held_out_loss.size(), &epochs_run));
    const bool monitored = epochs_run == epochs && std::isfinite(held_out_loss.back()) &&
                           held_out_loss.back() < held_out_loss.front();
    check(genre_mlp_predict_proba(mlp.get(), z.data(), n, d, d, proba.data(), proba.size(), nullptr));
    double mlp_auc = 0;
    check(genre_metrics_roc_auc_ovr(y.data(), proba.data(), n, k, k, GENRE_METRICS_AVERAGE_MACRO, &mlp_auc));

    check(genre_lda_save(lda.get(), (dir + "/lda.genre").c_str()));
    check(genre_mlp_save(mlp.get(), (dir + "/mlp.genre").c_str()));
    auto again = make<mlp_ptr>(genre_mlp_load, (dir + "/mlp.genre").c_str());

    // An error is an exception; the handles above are still freed on the way out.
    try {
        check(genre_lda_transform(lda.get(), z.data(), n, d - 1, d - 1, z.data(), z.size(), nullptr));
        return 1;
    } catch (const genre_error &e) {
        if (e.code != GENRE_E_SHAPE) throw;
        std::printf("expected error: %s\n", e.what());
    }
    std::printf("libgenre %s: LDA AUROC %.4f, MLP AUROC %.4f, held-out loss %.4f -> %.4f\n",
                genre_version_string(), lda_auc, mlp_auc, held_out_loss.front(),
                held_out_loss.back());
    return lda_auc > 0.9 && mlp_auc > 0.9 && monitored ? 0 : 1;
} catch (const std::exception &e) {
    std::fprintf(stderr, "genre_raii: %s\n", e.what());
    return 1;
}
