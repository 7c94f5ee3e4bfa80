#pragma once

// A 64-bit counter several processes share through a small file mapped into each of them.
//
// Contract
// - open(path) creates the file when missing (mode 0600, at least kFileSize bytes, zero-filled: the
//   counter starts at 0) and maps it shared (QFile::map: mmap MAP_SHARED on POSIX, a file mapping on
//   Windows). Every process that opens the same file sees the same 8 bytes at offset 0.
// - value() is one atomic load (acquire) from the mapping: no system call, no lock; any thread.
// - bump() is one atomic fetch-add (release) on the mapping and returns the new value; any thread, any
//   process. Lock-free 64-bit atomics are address-free, so this is safe across processes.
// - The counter only says "something changed": a writer first makes its change durable elsewhere (the
//   store), then bumps; a reader that sees a new value re-reads that state.
// - A file shorter than kFileSize (truncated by hand) is grown back with zeros; the mapping stays valid
//   for the object's life (the file is never shrunk by this class).

#include "result.h"

#include <QFile>
#include <QString>

#include <memory>

namespace airlock {

class SharedCounter
{
public:
    static constexpr qint64 kFileSize = 64;

    static Result<std::unique_ptr<SharedCounter>> open(const QString &path);
    ~SharedCounter();
    SharedCounter(const SharedCounter &) = delete;
    SharedCounter &operator=(const SharedCounter &) = delete;

    quint64 value() const;
    quint64 bump();
    QString path() const { return m_file.fileName(); }

private:
    SharedCounter() = default;
    QFile m_file;
    quint64 *m_word = nullptr; // inside the mapping
};

} // namespace airlock
