#include "autograd/tensor_impl.hpp"
