// SmallVector<T, N>: a vector whose first N elements live inside it, for the short lists every
// op makes (its input edges, its saved tensors, the gradients its backward returns). Two or
// three elements are the rule; a heap allocation for each list cost a fifth of a small op.
//
// Kept deliberately simple: the inline elements are an std::array of default-constructed T (T
// must be cheap to default-construct and to move: a Tensor is a null pointer), and past N every
// element moves to an std::vector. Copies, moves and exception safety are those of the members.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <utility>
#include <vector>

namespace autograd {

template <class T, std::size_t N> class SmallVector {
public:
    SmallVector() = default;
    SmallVector(std::initializer_list<T> items)
    {
        reserve(items.size());
        for (const T& t : items)
            push_back(t);
    }
    SmallVector(std::vector<T>&& items) // NOLINT: implicit, so code returning a std::vector still fits
    {
        if (items.size() > N) {
            heap_ = std::move(items);
            size_ = heap_.size();
        } else {
            for (T& t : items)
                push_back(std::move(t));
        }
    }

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    T* data() { return size_ > N ? heap_.data() : inline_.data(); }
    const T* data() const { return size_ > N ? heap_.data() : inline_.data(); }
    T* begin() { return data(); }
    T* end() { return data() + size_; }
    const T* begin() const { return data(); }
    const T* end() const { return data() + size_; }
    auto rbegin() const { return std::reverse_iterator<const T*>(end()); }
    auto rend() const { return std::reverse_iterator<const T*>(begin()); }
    T& operator[](std::size_t i) { return data()[i]; }
    const T& operator[](std::size_t i) const { return data()[i]; }

    void reserve(std::size_t n)
    {
        if (n > N)
            heap_.reserve(n);
    }
    void push_back(T item)
    {
        if (size_ < N) {
            inline_[size_] = std::move(item);
        } else {
            if (size_ == N) { // spill: every element moves to the heap
                heap_.reserve(2 * N + 1);
                for (T& t : inline_)
                    heap_.push_back(std::exchange(t, T()));
            }
            heap_.push_back(std::move(item));
        }
        ++size_;
    }
    /// Drops every element (and the heap memory, so a released graph holds nothing).
    void clear()
    {
        for (std::size_t i = 0; i < size_ && i < N; ++i)
            inline_[i] = T();
        heap_ = std::vector<T>();
        size_ = 0;
    }

private:
    std::array<T, N> inline_{};
    std::vector<T> heap_; // all the elements once there are more than N
    std::size_t size_ = 0;
};

} // namespace autograd
