// nn/nn.hpp: all of nn in one include, and the engine under it (autograd's Tensor and Value),
// for a program that would rather not pick headers: a tutorial, an experiment, a first try.
// Each translation unit that includes it parses every header of nn, so the library's own
// sources and tests include only what they use; tests/umbrella_test.cmake checks that this
// file includes every header under nn/.
//
//   #include <nn/nn.hpp>
//
//   autograd::Generator gen(0);
//   nn::Sequential model = nn::make_mlp({784, 128, 10}, "relu", gen);
//   nn::DataLoader loader(nn::load_mnist_bytes("data/mnist-10k", "train"), {.batch_size = 64});
//   for (const nn::Batch& b : loader)
//       nn::cross_entropy(model(b.features), b.targets).backward();
#pragma once

// modules/: tensor models (Module, Linear, Conv2d, pools, Flatten, Sequential, activations, Dropout,
// LayerNorm, BatchNorm, Embedding), losses, init, how descriptions print values (python_repr)
#include "nn/modules/activation.hpp"
#include "nn/modules/conv.hpp"
#include "nn/modules/dropout.hpp"
#include "nn/modules/embedding.hpp"
#include "nn/modules/flatten.hpp"
#include "nn/modules/init.hpp"
#include "nn/modules/linear.hpp"
#include "nn/modules/loss.hpp"
#include "nn/modules/make_mlp.hpp"
#include "nn/modules/pool.hpp"
#include "nn/modules/module.hpp"
#include "nn/modules/norm.hpp"
#include "nn/modules/python_repr.hpp"
#include "nn/modules/sequential.hpp"

// scalar/: networks of Values (Neuron, Layer, MLP), their losses, init and training loops
#include "nn/scalar/activation.hpp"
#include "nn/scalar/init.hpp"
#include "nn/scalar/loss.hpp"
#include "nn/scalar/mlp.hpp"
#include "nn/scalar/train.hpp"

// optim/: optimizers for Values and tensors alike, gradient clipping, learning-rate schedulers
#include "nn/optim/adagrad.hpp"
#include "nn/optim/adam.hpp"
#include "nn/optim/adamw.hpp"
#include "nn/optim/clip_grad.hpp"
#include "nn/optim/lr_scheduler.hpp"
#include "nn/optim/optimizer.hpp"
#include "nn/optim/param_ref.hpp"
#include "nn/optim/reduce_lr_on_plateau.hpp"
#include "nn/optim/rmsprop.hpp"
#include "nn/optim/rprop.hpp"
#include "nn/optim/scheduler_state.hpp"
#include "nn/optim/sgd.hpp"

// data/: data sets, the DataLoader, CSV and IDX (MNIST) files
#include "nn/data/byte_image_dataset.hpp"
#include "nn/data/csv.hpp"
#include "nn/data/data_loader.hpp"
#include "nn/data/dataset.hpp"
#include "nn/data/example.hpp"
#include "nn/data/file_bytes.hpp"
#include "nn/data/idx.hpp"
#include "nn/data/labelled_data.hpp"
#include "nn/data/scaler.hpp"
#include "nn/data/labelled_tensors.hpp"
#include "nn/data/tensor_dataset.hpp"

// io/: state dicts and safetensors
#include "nn/io/load_state_dict.hpp"
#include "nn/io/safetensors.hpp"
#include "nn/io/state_dict.hpp"

// metrics/: accuracy, gradient statistics, the metrics log, the progress bar and the terminal's width
#include "nn/metrics/accuracy.hpp"
#include "nn/metrics/gradient_stats.hpp"
#include "nn/metrics/metrics_log.hpp"
#include "nn/metrics/progress.hpp"
#include "nn/metrics/terminal.hpp"
