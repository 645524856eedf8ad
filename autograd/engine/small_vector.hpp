// SmallVector<T, N>: a vector whose first N elements live inside it, for the short lists every
// op makes (its input edges, its saved tensors, the gradients its backward returns). Two or
// three elements are the rule; a heap allocation for each list cost a fifth of a small op.
//
// Only the elements in use are constructed and destroyed (the inline slots are raw storage), so
// an empty list costs nothing to make or drop. Past N, every element moves to an std::vector.
//
//   SmallVector<Tensor, 3> saved{a, b};   // in place: no heap allocation up to 3 (rvalues moved in)
//   saved.push_back(c);
#pragma once

#include <cstddef>
#include <iterator>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace autograd {

template <class T, std::size_t N> class SmallVector {
public:
    SmallVector() noexcept {} // NOLINT(modernize-use-equals-default): the union has no default
    // A list of items, each moved in where it is an rvalue: an op's `return TensorList{g * y}`
    // hands its gradient over, where an std::initializer_list could only copy it (a count of
    // references up and down, atomically, per gradient: 10% of a tiny conv2d's backward).
    template <class... U>
        requires(sizeof...(U) > 0 && (std::is_same_v<std::remove_cvref_t<U>, T> && ...))
    SmallVector(U&&... items) // NOLINT: implicit, as the std::initializer_list constructor it replaces
    {
        reserve(sizeof...(U));
        (push_back(std::forward<U>(items)), ...);
    }
    SmallVector(std::vector<T>&& items) // NOLINT: implicit, so code returning a std::vector still fits
    {
        if (items.size() > N) {
            heap_ = new std::vector<T>(std::move(items));
            size_ = heap_->size();
        } else {
            for (T& t : items)
                push_back(std::move(t));
        }
    }
    SmallVector(const SmallVector& other)
    {
        if (other.on_heap()) {
            heap_ = new std::vector<T>(*other.heap_);
            size_ = other.size_;
        } else {
            for (const T& t : other)
                push_back(t);
        }
    }
    SmallVector(SmallVector&& other) noexcept { take(other); }
    SmallVector& operator=(const SmallVector& other)
    {
        if (this != &other) {
            SmallVector copy(other);
            clear();
            take(copy);
        }
        return *this;
    }
    SmallVector& operator=(SmallVector&& other) noexcept
    {
        if (this != &other) {
            clear();
            take(other);
        }
        return *this;
    }
    ~SmallVector()
    {
        destroy_inline();
        if (heap_ != nullptr) // nearly every list stays inline: skip the call
            delete heap_;
    }

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    T* data() { return on_heap() ? heap_->data() : inline_; }
    const T* data() const { return on_heap() ? heap_->data() : inline_; }
    T* begin() { return data(); }
    T* end() { return data() + size_; }
    const T* begin() const { return data(); }
    const T* end() const { return data() + size_; }
    auto rbegin() const { return std::reverse_iterator<const T*>(end()); }
    auto rend() const { return std::reverse_iterator<const T*>(begin()); }
    T& operator[](std::size_t i) { return data()[i]; }
    const T& operator[](std::size_t i) const { return data()[i]; }

    void reserve(std::size_t) {} // the inline slots, then the heap vector's own growth
    /// A default-constructed element at the end, returned (no temporary to move in and destroy).
    T& emplace_back()
    {
        if (size_ < N) {
            T* slot = new (&inline_[size_]) T();
            ++size_;
            return *slot;
        }
        push_back(T());
        return heap_->back();
    }
    void push_back(T item)
    {
        if (size_ < N) {
            new (&inline_[size_]) T(std::move(item));
        } else {
            if (size_ == N) { // spill: every element moves to the heap
                auto heap = std::make_unique<std::vector<T>>();
                heap->reserve(2 * N + 1);
                for (std::size_t i = 0; i < N; ++i)
                    heap->push_back(std::move(inline_[i]));
                destroy_inline();
                heap_ = heap.release();
            }
            heap_->push_back(std::move(item));
        }
        ++size_;
    }
    /// Drops every element (and the heap memory, so a released graph holds nothing).
    void clear() noexcept
    {
        destroy_inline();
        delete heap_;
        heap_ = nullptr;
        size_ = 0;
    }

private:
    bool on_heap() const { return size_ > N; }
    void destroy_inline() noexcept
    {
        if (!on_heap())
            for (std::size_t i = 0; i < size_; ++i)
                inline_[i].~T();
    }
    // Takes other's elements; other is left empty. *this must be empty.
    void take(SmallVector& other) noexcept
    {
        if (other.on_heap()) {
            heap_ = std::exchange(other.heap_, nullptr);
        } else {
            for (std::size_t i = 0; i < other.size_; ++i)
                new (&inline_[i]) T(std::move(other.inline_[i]));
            other.destroy_inline();
        }
        size_ = other.size_;
        other.size_ = 0;
    }

    union {
        T inline_[N]; // the first size_ are alive while size_ <= N
    };
    std::vector<T>* heap_ = nullptr; // all the elements once there are more than N (else null)
    std::size_t size_ = 0;
};

} // namespace autograd
