// The first tutorial's backpropagation equations for one sample through a small sigmoid network,
// computed twice: by hand (plain loops over the equations) and by the tensor engine (float64,
// nn::Linear); and two weight updates with momentum and with Nesterov momentum, by the
// textbook formulas and by nn::SGD. examples/delta_rule.cpp prints them side by side;
// tests/test_delta_rule.cpp checks them.
//
//   const delta_rule::Weights w = delta_rule::example_weights();
//   const delta_rule::Sample s = delta_rule::example_sample();
//   delta_rule::Pass hand = delta_rule::by_hand(w, s), engine = delta_rule::by_engine(w, s);
//   hand.grad.v[0] - engine.grad.v[0];                  // dE/dw for the weight h1 <- x1, about 1e-17
//
// The network: inputs x1, x2; hidden sigmoid neurons h1..h3; output sigmoid neurons o1, o2; a
// bias in every neuron (the weight given to an input fixed at 1). In the tutorial's notation,
// w_ij is the weight neuron i gives to its input j, and for each neuron i:
//   net_i = sum_j w_ij a_j                  (eq. 1, the weighted sum or "input function")
//   a_i = s(net_i),  s(x) = 1/(1 + e^-x)    (eqs. 2, 3)
//   E = 1/2 sum_i (t_i - a_i)^2             (eq. 4, over the output neurons)
//   s'(x) = s(x) (1 - s(x))                 (eq. 8)
//   delta_i = dE/dnet_i
//           = (a_i - t_i) a_i (1 - a_i)                  for an output neuron (eq. 11)
//           = a_i (1 - a_i) sum_k delta_k w_ki           for an inner neuron, over the k it feeds (eq. 13)
//   dE/dw_ij = delta_i a_j                  (eq. 10; a_j = 1 for a bias)
// NOTE: the text of the tutorial lost its formulas; its equation 4 is named "Mean-Squared Error"
// and its equation 11 is the output error term (a - t) a (1 - a), which is the derivative of
// E = 1/2 (t - a)^2. So E carries the factor 1/2 here (not a mean over the outputs).
#pragma once

#include <autograd/tensor.hpp>
#include <nn/modules/linear.hpp>
#include <nn/optim/sgd.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace delta_rule {

inline constexpr int kIn = 2, kHidden = 3, kOut = 2;

/// The 17 weights and biases (or their gradients), in the order of nn::Linear's parameters:
/// hidden weights [3][2], hidden biases [3], output weights [2][3], output biases [2]. w1(i, j) is
/// the weight hidden neuron i gives to input j, as in Linear's [out, in] weight.
struct Weights {
    static constexpr std::size_t kSize = kHidden * kIn + kHidden + kOut * kHidden + kOut;
    std::array<double, kSize> v{};

    static constexpr std::size_t w1_at(int i, int j) { return static_cast<std::size_t>(i * kIn + j); }
    static constexpr std::size_t b1_at(int i) { return static_cast<std::size_t>(kHidden * kIn + i); }
    static constexpr std::size_t w2_at(int i, int j)
    {
        return static_cast<std::size_t>(kHidden * kIn + kHidden + i * kHidden + j);
    }
    static constexpr std::size_t b2_at(int i)
    {
        return static_cast<std::size_t>(kHidden * kIn + kHidden + kOut * kHidden + i);
    }
    double& w1(int i, int j) { return v[w1_at(i, j)]; }
    double& b1(int i) { return v[b1_at(i)]; }
    double& w2(int i, int j) { return v[w2_at(i, j)]; }
    double& b2(int i) { return v[b2_at(i)]; }
    double w1(int i, int j) const { return v[w1_at(i, j)]; }
    double b1(int i) const { return v[b1_at(i)]; }
    double w2(int i, int j) const { return v[w2_at(i, j)]; }
    double b2(int i) const { return v[b2_at(i)]; }

    /// The name of element k as the tutorial would write it: "w h2<-x1" is the weight h2 gives
    /// to x1, "b o1" the bias of o1.
    static std::string name(std::size_t k)
    {
        const auto n = [](char layer, std::size_t i) { return std::string(1, layer) + std::to_string(i + 1); };
        if (k < kHidden * kIn)
            return "w " + n('h', k / kIn) + "<-" + n('x', k % kIn);
        k -= kHidden * kIn;
        if (k < kHidden)
            return "b " + n('h', k);
        k -= kHidden;
        if (k < kOut * kHidden)
            return "w " + n('o', k / kHidden) + "<-" + n('h', k % kHidden);
        return "b " + n('o', k - kOut * kHidden);
    }
};

struct Sample {
    std::array<double, kIn> x;
    std::array<double, kOut> t;
};

/// Every quantity of one forward and backward pass, named as in the tutorial.
struct Pass {
    std::array<double, kHidden> net_h, a_h, delta_h;
    std::array<double, kOut> net_o, a_o, delta_o;
    double error = 0;
    Weights grad; // dE/dw for every weight and bias
};

/// Hand-chosen weights, mixed in sign, so that no two neurons behave alike.
inline Weights example_weights()
{
    Weights w;
    const double w1[kHidden][kIn] = {{0.1, 0.8}, {0.4, -0.6}, {-0.3, 0.5}};
    const double b1[kHidden] = {0.05, -0.1, 0.2};
    const double w2[kOut][kHidden] = {{0.3, 0.9, -0.4}, {0.7, -0.2, 0.5}};
    const double b2[kOut] = {0.2, -0.3};
    for (int i = 0; i < kHidden; ++i) {
        w.b1(i) = b1[i];
        for (int j = 0; j < kIn; ++j)
            w.w1(i, j) = w1[i][j];
    }
    for (int i = 0; i < kOut; ++i) {
        w.b2(i) = b2[i];
        for (int j = 0; j < kHidden; ++j)
            w.w2(i, j) = w2[i][j];
    }
    return w;
}

inline Sample example_sample() { return {{0.35, 0.9}, {0.2, 0.8}}; }

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

/// The tutorial's equations, one loop per equation.
inline Pass by_hand(const Weights& w, const Sample& s)
{
    Pass p;
    for (int i = 0; i < kHidden; ++i) { // eqs. 1-3, hidden layer (a bias is a weight on a constant 1)
        p.net_h[i] = w.b1(i);
        for (int j = 0; j < kIn; ++j)
            p.net_h[i] += w.w1(i, j) * s.x[j];
        p.a_h[i] = sigmoid(p.net_h[i]);
    }
    for (int i = 0; i < kOut; ++i) { // eqs. 1-3, output layer
        p.net_o[i] = w.b2(i);
        for (int j = 0; j < kHidden; ++j)
            p.net_o[i] += w.w2(i, j) * p.a_h[j];
        p.a_o[i] = sigmoid(p.net_o[i]);
    }
    for (int i = 0; i < kOut; ++i) // eq. 4
        p.error += 0.5 * (s.t[i] - p.a_o[i]) * (s.t[i] - p.a_o[i]);
    for (int i = 0; i < kOut; ++i) // eq. 11
        p.delta_o[i] = (p.a_o[i] - s.t[i]) * p.a_o[i] * (1.0 - p.a_o[i]);
    for (int j = 0; j < kHidden; ++j) { // eq. 13: h_j feeds every output neuron
        double back = 0;
        for (int k = 0; k < kOut; ++k)
            back += p.delta_o[k] * w.w2(k, j);
        p.delta_h[j] = p.a_h[j] * (1.0 - p.a_h[j]) * back;
    }
    for (int i = 0; i < kHidden; ++i) { // eq. 10
        p.grad.b1(i) = p.delta_h[i];
        for (int j = 0; j < kIn; ++j)
            p.grad.w1(i, j) = p.delta_h[i] * s.x[j];
    }
    for (int i = 0; i < kOut; ++i) {
        p.grad.b2(i) = p.delta_o[i];
        for (int j = 0; j < kHidden; ++j)
            p.grad.w2(i, j) = p.delta_o[i] * p.a_h[j];
    }
    return p;
}

/// The network as the engine holds it: two float64 nn::Linear layers.
struct EngineNet {
    nn::Linear hidden, output;

    explicit EngineNet(const Weights& w, autograd::Generator gen = autograd::Generator(0))
        : hidden(kIn, kHidden, gen, true, autograd::Dtype::Float64),
          output(kHidden, kOut, gen, true, autograd::Dtype::Float64)
    {
        set(w);
    }
    std::vector<autograd::Tensor> parameters() const
    {
        return {hidden.weight(), hidden.bias(), output.weight(), output.bias()};
    }
    /// Overwrites the layers' random initial weights (not recorded in any graph).
    void set(const Weights& w) const
    {
        std::size_t k = 0;
        for (const autograd::Tensor& t : parameters())
            for (std::int64_t e = 0; e < t.numel(); ++e)
                t.data_ptr<double>()[e] = w.v[k++];
    }
    Weights get() const { return flatten(parameters()); }
    Weights grad() const
    {
        std::vector<autograd::Tensor> g;
        for (const autograd::Tensor& t : parameters())
            g.push_back(t.grad());
        return flatten(g);
    }

private:
    static Weights flatten(const std::vector<autograd::Tensor>& ts)
    {
        Weights w;
        std::size_t k = 0;
        for (const autograd::Tensor& t : ts)
            for (double x : t.to_vector())
                w.v[k++] = x;
        return w;
    }
};

/// The forward pass's tensors, kept so that the error terms can be read off the graph.
struct EngineForward {
    autograd::Tensor net_h, a_h, net_o, a_o, error;
};

inline EngineForward engine_forward(EngineNet& net, const Sample& s)
{
    const autograd::Tensor x(std::vector<double>(s.x.begin(), s.x.end()), {1, kIn});
    const autograd::Tensor t(std::vector<double>(s.t.begin(), s.t.end()), {1, kOut});
    EngineForward f;
    f.net_h = net.hidden(x);
    f.a_h = f.net_h.sigmoid();
    f.net_o = net.output(f.a_h);
    f.a_o = f.net_o.sigmoid();
    f.error = 0.5 * (t - f.a_o).pow(2.0).sum();
    return f;
}

/// The same quantities from the tensor engine: the forward values of the graph's tensors, the
/// error terms as gradients of E with respect to the weighted sums (delta_i = dE/dnet_i), and the
/// weight gradients from backward().
inline Pass by_engine(const Weights& w, const Sample& s)
{
    EngineNet net(w);
    const EngineForward f = engine_forward(net, s);
    const std::vector<autograd::Tensor> deltas =
        autograd::grad({f.error}, {f.net_o, f.net_h}, {}, {.retain_graph = true});
    f.error.backward();
    Pass p;
    const auto copy = [](const autograd::Tensor& t, auto& out) {
        const std::vector<double> v = t.to_vector();
        for (std::size_t k = 0; k < out.size(); ++k)
            out[k] = v[k];
    };
    copy(f.net_h, p.net_h);
    copy(f.a_h, p.a_h);
    copy(f.net_o, p.net_o);
    copy(f.a_o, p.a_o);
    copy(deltas[0], p.delta_o);
    copy(deltas[1], p.delta_h);
    p.error = f.error.item();
    p.grad = net.grad();
    return p;
}

/// The tutorial's update with momentum, `steps` times on the one sample:
///   dw(t) = -lr dE/dw(w(t)) + mu dw(t-1),  dw(-1) = 0,  w(t+1) = w(t) + dw(t).
/// Returns w(0), w(1), ..., w(steps).
inline std::vector<Weights> momentum_by_hand(Weights w, const Sample& s, double lr, double mu, int steps)
{
    std::vector<Weights> out{w};
    Weights dw; // zero
    for (int step = 0; step < steps; ++step) {
        const Weights g = by_hand(w, s).grad;
        for (std::size_t k = 0; k < Weights::kSize; ++k) {
            dw.v[k] = -lr * g.v[k] + mu * dw.v[k];
            w.v[k] += dw.v[k];
        }
        out.push_back(w);
    }
    return out;
}

/// Nesterov momentum as the textbook writes it (Sutskever et al. 2013): the gradient is taken
/// at the point the momentum is about to carry the weights to,
///   dw(t) = -lr dE/dw(w(t) + mu dw(t-1)) + mu dw(t-1),  w(t+1) = w(t) + dw(t).
/// PyTorch's nesterov=True (nn::SGD's) tracks the look-ahead point itself, w'(t) = w(t) + mu dw(t-1),
/// so that the gradient is taken at the parameters it holds; this returns w'(0), ..., w'(steps)
/// (w'(0) = w(0)), the numbers nn::SGD should hold after each step.
inline std::vector<Weights> nesterov_by_hand(Weights w, const Sample& s, double lr, double mu, int steps)
{
    std::vector<Weights> out{w};
    Weights dw;
    for (int step = 0; step < steps; ++step) {
        Weights ahead = w;
        for (std::size_t k = 0; k < Weights::kSize; ++k)
            ahead.v[k] += mu * dw.v[k];
        const Weights g = by_hand(ahead, s).grad;
        Weights next_ahead;
        for (std::size_t k = 0; k < Weights::kSize; ++k) {
            dw.v[k] = -lr * g.v[k] + mu * dw.v[k];
            w.v[k] += dw.v[k];
            next_ahead.v[k] = w.v[k] + mu * dw.v[k];
        }
        out.push_back(next_ahead);
    }
    return out;
}

/// nn::SGD with the options given (lr and momentum, nesterov or not) on the engine's network:
/// w(0), ..., w(steps).
inline std::vector<Weights> by_sgd(const Weights& w, const Sample& s, nn::SGDOptions options, int steps)
{
    EngineNet net(w);
    nn::SGD opt(net.parameters(), options);
    std::vector<Weights> out{net.get()};
    for (int step = 0; step < steps; ++step) {
        opt.zero_grad();
        engine_forward(net, s).error.backward();
        opt.step();
        out.push_back(net.get());
    }
    return out;
}

} // namespace delta_rule
