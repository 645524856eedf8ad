// Shapes of n-d tensors: sizes, contiguous strides, broadcasting, and their printing.
//
// Broadcasting follows NumPy and PyTorch: align shapes at the right; each pair of sizes must be
// equal or contain a 1, and the result takes the larger; a missing dimension counts as 1.
//   [3, 1, 5] with [4, 1] -> [3, 4, 5]
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace autograd {

/// The sizes of a tensor's dimensions. A vector of int64 that keeps up to six sizes inline, so
/// that a tensor, a graph node and a backward closure hold their shapes without a heap
/// allocation (measured: allocation was most of a small model's step). It offers the parts of
/// std::vector's interface the engine uses, and converts to std::span<const std::int64_t>.
class Shape {
public:
    using value_type = std::int64_t;
    using size_type = std::size_t;
    using iterator = std::int64_t*;
    using const_iterator = const std::int64_t*;
    static constexpr std::size_t kInline = 6;

    Shape() = default;
    Shape(std::initializer_list<std::int64_t> sizes) { assign(sizes.begin(), sizes.end()); }
    explicit Shape(std::size_t n, std::int64_t value = 0) { resize(n, value); }
    template <std::input_iterator It> Shape(It first, It last) { assign(first, last); }
    explicit Shape(std::span<const std::int64_t> sizes) { assign(sizes.begin(), sizes.end()); }
    Shape(const Shape& other) : size_(other.size_)
    {
        if (other.size_ <= kInline) // the usual case: a few stores, no capacity checks
            std::copy(other.data(), other.data() + other.size_, inline_);
        else
            copy_to_heap(other);
    }
    Shape(Shape&& other) noexcept { take(other); }
    Shape& operator=(const Shape& other)
    {
        if (this == &other)
            return *this;
        if (other.size_ <= capacity()) {
            std::copy(other.data(), other.data() + other.size_, data());
            size_ = other.size_;
        } else {
            assign(other.begin(), other.end());
        }
        return *this;
    }
    Shape& operator=(Shape&& other) noexcept
    {
        if (this != &other) {
            release();
            take(other);
        }
        return *this;
    }
    ~Shape() { release(); }

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    std::int64_t* data() { return heap_ != nullptr ? heap_ : inline_; }
    const std::int64_t* data() const { return heap_ != nullptr ? heap_ : inline_; }
    iterator begin() { return data(); }
    iterator end() { return data() + size_; }
    const_iterator begin() const { return data(); }
    const_iterator end() const { return data() + size_; }
    std::int64_t& operator[](std::size_t i) { return data()[i]; }
    const std::int64_t& operator[](std::size_t i) const { return data()[i]; }
    std::int64_t& front() { return data()[0]; }
    const std::int64_t& front() const { return data()[0]; }
    std::int64_t& back() { return data()[size_ - 1]; }
    const std::int64_t& back() const { return data()[size_ - 1]; }

    void reserve(std::size_t n)
    {
        if (n <= capacity())
            return;
        auto* grown = new std::int64_t[n];
        std::copy(begin(), end(), grown);
        delete[] heap_;
        heap_ = grown;
        heap_capacity_ = n;
    }
    void resize(std::size_t n, std::int64_t value = 0)
    {
        reserve(n);
        for (std::size_t i = size_; i < n; ++i)
            data()[i] = value;
        size_ = n;
    }
    void clear() { size_ = 0; }
    void push_back(std::int64_t v)
    {
        if (size_ == capacity())
            reserve(2 * capacity());
        data()[size_++] = v;
    }
    void pop_back() { --size_; }
    iterator insert(const_iterator pos, std::int64_t v)
    {
        const auto at = static_cast<std::size_t>(pos - begin());
        push_back(v);
        std::rotate(begin() + at, end() - 1, end());
        return begin() + at;
    }
    iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
    iterator erase(const_iterator first, const_iterator last)
    {
        const auto at = static_cast<std::size_t>(first - begin());
        const auto count = static_cast<std::size_t>(last - first);
        std::copy(begin() + at + count, end(), begin() + at);
        size_ -= count;
        return begin() + at;
    }
    template <std::input_iterator It> void assign(It first, It last)
    {
        clear();
        if constexpr (std::forward_iterator<It>) { // one capacity check, then a plain copy
            const auto n = static_cast<std::size_t>(std::distance(first, last));
            reserve(n);
            std::int64_t* out = data();
            for (; first != last; ++first)
                *out++ = static_cast<std::int64_t>(*first);
            size_ = n;
        } else {
            for (; first != last; ++first)
                push_back(static_cast<std::int64_t>(*first));
        }
    }

    operator std::span<const std::int64_t>() const { return {data(), size_}; }
    friend bool operator==(const Shape& a, const Shape& b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

private:
    std::size_t capacity() const { return heap_ != nullptr ? heap_capacity_ : kInline; }
    void copy_to_heap(const Shape& other)
    {
        heap_ = new std::int64_t[other.size_];
        heap_capacity_ = other.size_;
        std::copy(other.begin(), other.end(), heap_);
    }
    void release()
    {
        if (heap_ != nullptr) // inline shapes (nearly all) skip the call
            delete[] heap_;
        heap_ = nullptr;
        size_ = 0;
    }
    void take(Shape& other) noexcept
    {
        size_ = other.size_;
        if (other.heap_ != nullptr) {
            heap_ = other.heap_;
            heap_capacity_ = other.heap_capacity_;
            other.heap_ = nullptr;
        } else {
            std::copy(other.inline_, other.inline_ + other.size_, inline_);
        }
        other.size_ = 0;
    }

    std::int64_t inline_[kInline]; // only the first size_ are ever read: no need to clear them
    std::int64_t* heap_ = nullptr;
    std::size_t heap_capacity_ = 0;
    std::size_t size_ = 0;
};

/// Prints as "[3, 4]".
std::ostream& operator<<(std::ostream& os, const Shape& shape);

/// "[3, 4]"; "[]" for a scalar (0-d) shape.
std::string to_string(std::span<const std::int64_t> shape);

/// Product of the sizes (1 for a 0-d shape). Throws std::invalid_argument on a negative size.
std::int64_t shape_numel(std::span<const std::int64_t> shape);

/// Row-major strides, in elements.
Shape contiguous_strides(std::span<const std::int64_t> shape);

/// The broadcast of two shapes; throws std::invalid_argument naming `op` and both shapes.
Shape broadcast_shapes(std::string_view op, std::span<const std::int64_t> a, std::span<const std::int64_t> b);

/// An axis in [-dim, dim) as [0, dim); throws std::invalid_argument naming `op`, the axis and the shape.
std::int64_t normalize_axis(std::string_view op, std::int64_t axis, std::span<const std::int64_t> shape);

} // namespace autograd
