// The engine's worker threads. Each parallel region hands its iterations to helpers that spin a
// little before parking: element-wise ops and GEMMs come back to back, and waking parked threads
// through the kernel for each one cost ~5 % of a training step in scheduler time (perf, with
// Dispatch's concurrentPerform). Regions are not nested: one started inside another, or from a
// second thread while one runs, executes inline on its caller.
import CKernels
import Foundation
import Synchronization

final class WorkerPool: @unchecked Sendable {
    /// Helper threads (the caller is the last worker).
    let helperCount: Int
    /// Spin iterations (PAUSE ≈ tens of ns on Zen) before a helper parks: ~50-100 µs.
    static let spinLimit = 2_000

    private let generation = Atomic<Int>(0)
    private let nextIndex = Atomic<Int>(0)
    private let unfinishedHelpers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private var job: ((Int) -> Void)?
    private var iterations = 0
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var parked = 0

    nonisolated(unsafe) static var current: ThreadLocalFlag = ThreadLocalFlag()

    init(workers: Int) {
        helperCount = max(0, workers - 1)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        for _ in 0..<helperCount {
            let thread = Thread { [unowned self] in self.helperLoop() }
            thread.stackSize = 1 << 22
            thread.start()
        }
    }

    /// Runs `body(i)` for i in 0..<count across the caller and the helpers; returns when all are done.
    func run(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if count == 1 || helperCount == 0 || WorkerPool.current.isSet || !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            job = body
            iterations = count
            nextIndex.store(0, ordering: .relaxed)
            unfinishedHelpers.store(helperCount, ordering: .relaxed)
            generation.add(1, ordering: .releasing)
            pthread_mutex_lock(&mutex)
            if parked > 0 { pthread_cond_broadcast(&condition) }
            pthread_mutex_unlock(&mutex)
            WorkerPool.current.isSet = true
            work(body)
            WorkerPool.current.isSet = false
            while unfinishedHelpers.load(ordering: .acquiring) > 0 { dk_cpu_relax() }
            job = nil
        }
        busy.store(false, ordering: .releasing)
    }

    private func work(_ body: (Int) -> Void) {
        while true {
            let i = nextIndex.add(1, ordering: .relaxed).oldValue
            if i >= iterations { return }
            body(i)
        }
    }

    private func helperLoop() {
        WorkerPool.current.isSet = true
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < WorkerPool.spinLimit { dk_cpu_relax(); continue }
                pthread_mutex_lock(&mutex)
                parked += 1
                while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(&condition, &mutex) }
                parked -= 1
                pthread_mutex_unlock(&mutex)
            }
            seen = generation.load(ordering: .acquiring)
            runJob()
            unfinishedHelpers.subtract(1, ordering: .releasing)
        }
    }

    /// Out of line so that this thread's reference to the job is dropped before it reports done:
    /// `run` leaves `withoutActuallyEscaping` as soon as the count reaches zero, and a helper
    /// still holding the closure there is a crash (caught in debug builds).
    @inline(never)
    private func runJob() {
        if let job { work(job) }
    }
}

/// A per-thread boolean (pthread key): set on pool threads and on a caller inside a region.
final class ThreadLocalFlag: @unchecked Sendable {
    private var key = pthread_key_t()
    init() { pthread_key_create(&key, nil) }
    var isSet: Bool {
        get { pthread_getspecific(key) != nil }
        set { pthread_setspecific(key, newValue ? UnsafeRawPointer(bitPattern: 1) : nil) }
    }
}
