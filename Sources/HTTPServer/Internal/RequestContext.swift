import CMicroHTTPD
import Foundation

/// The state of one request between the first access handler call and the request-completed callback.
///
/// The daemon calls into one connection from one thread at a time, so this class needs no lock.
final class RequestContext {
    let core: ServerCore
    let request: HTTPRequest
    private let startTime = ContinuousClock.now

    private var phase: Phase = .started
    private var bytesReceived: Int64 = 0
    private var queuedStatus = 0
    private var errorDescription: String?

    /// The receiver until finish() or cancel() is called on it.
    private var receiver: (any HTTPBodyReceiver)?
    private var postProcessor: OpaquePointer?
    private var currentPart: Part?
    /// An error thrown by the receiver inside the post data iterator, reported after MHD_post_process returns.
    private var postError: (any Error)?

    private enum Phase {
        case started
        /// Reading and discarding the body with `budget` bytes left, then sending the response.
        case draining(HTTPResponse, budget: Int64)
        case receiving
        /// Suspended while the receiver's finish() runs on another thread. The value is its response once it returned.
        case finishing(HTTPResponse?)
        case done
    }

    private struct Part {
        let name: String
        let filename: String?
        var byteCount: Int
    }

    private static let postProcessorBufferSize = 32 * 1024

    init(core: ServerCore, request: HTTPRequest) {
        self.core = core
        self.request = request
    }

    private var maxDrainBytes: Int64 { core.configuration.maxDrainBytes }

    // MARK: - Access handler calls

    /// Handles the first access handler call, when the head has arrived.
    func beginRequest(connection: OpaquePointer) -> MHD_Result {
        switch core.handler.handle(request) {
        case .reject(let response):
            // Queued on the first call, so the daemon sends it without reading the body and then closes.
            phase = .done
            return queueNow(response, connection: connection)

        case .respond(let response):
            if let contentLength = request.contentLength, contentLength > maxDrainBytes {
                phase = .done
                return queueNow(response, connection: connection)
            }
            // Queued on a later call: a response queued on the first call makes the daemon close the connection.
            phase = .draining(response, budget: maxDrainBytes)
            return .YES

        case .receiveBody(let receiver):
            self.receiver = receiver
            phase = .receiving
            return beginReceiving(receiver, connection: connection)
        }
    }

    /// Handles a later access handler call: a piece of body, or the end of the request with `size` 0.
    func continueRequest(
        connection: OpaquePointer,
        data: UnsafePointer<CChar>?,
        size: UnsafeMutablePointer<Int>
    ) -> MHD_Result {
        let count = size.pointee
        size.pointee = 0

        if count > 0 {
            bytesReceived += Int64(count)
            return consumeBody(data: data, count: count)
        }

        switch phase {
        case .draining(let response, _):
            phase = .done
            return queueNow(response, connection: connection)
        case .receiving:
            return finishReceiving(connection: connection)
        case .finishing(let response?):
            phase = .done
            return queueNow(response, connection: connection)
        case .started, .done, .finishing(nil):
            return .YES
        }
    }

    /// Handles the request-completed callback: cancels an unfinished receiver and writes the access record.
    func complete(terminationCode: MHD_RequestTerminationCode) {
        if errorDescription == nil, terminationCode != .REQUEST_TERMINATED_COMPLETED_OK {
            let stage = receiver != nil ? "before its body was complete" : "before its response was sent"
            errorDescription = "request ended \(stage) (\(describe(terminationCode)))"
        }
        cancelReceiver()

        if case .draining(let response, _) = phase {
            response.discardBody()
        }
        phase = .done

        guard let accessLog = core.accessLog else {
            return
        }
        let duration = ContinuousClock.now - startTime
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        accessLog(
            HTTPAccessRecord(
                requestId: request.id,
                method: request.method,
                path: request.path,
                status: queuedStatus,
                durationSeconds: seconds,
                bytesReceived: bytesReceived,
                errorDescription: errorDescription
            )
        )
    }

    // MARK: - Body

    private func beginReceiving(_ receiver: any HTTPBodyReceiver, connection: OpaquePointer) -> MHD_Result {
        let contentType = request.headers["Content-Type"]
        let isMultipart = contentType?.lowercased().hasPrefix("multipart/form-data") ?? false

        guard isMultipart else {
            do {
                try receiver.beginPart(name: "", filename: nil, contentType: contentType)
                currentPart = Part(name: "", filename: nil, byteCount: 0)
            } catch {
                return fail(error, firstCallConnection: connection)
            }
            return .YES
        }

        let contextPointer = Unmanaged.passUnretained(self).toOpaque()
        postProcessor = MHD_create_post_processor(
            connection, Self.postProcessorBufferSize, postDataIteratorCallback, contextPointer)
        guard postProcessor != nil else {
            let error = HTTPError(status: 400, "invalid multipart/form-data request: the boundary is missing")
            return fail(error, firstCallConnection: connection)
        }
        return .YES
    }

    private func consumeBody(data: UnsafePointer<CChar>?, count: Int) -> MHD_Result {
        switch phase {
        case .draining(let response, let budget):
            let remaining = budget - Int64(count)
            guard remaining >= 0 else {
                closeWithoutResponse(discarding: response)
                return .NO
            }
            phase = .draining(response, budget: remaining)
            return .YES

        case .receiving:
            guard let data else {
                return .YES
            }
            if let postProcessor {
                let result = MHD_post_process(postProcessor, data, count)
                if let error = postError {
                    postError = nil
                    return fail(error)
                }
                if result != .YES {
                    return fail(HTTPError(status: 400, "invalid multipart/form-data request body"))
                }
                return .YES
            }
            do {
                try receiver?.receive(UnsafeRawBufferPointer(start: data, count: count))
                currentPart?.byteCount += count
            } catch {
                return fail(error)
            }
            return .YES

        case .started, .done, .finishing:
            return .YES
        }
    }

    private func finishReceiving(connection: OpaquePointer) -> MHD_Result {
        if let postProcessor {
            // Destroying the post processor flushes the last part through the iterator and reports whether the
            // body ended where the multipart syntax allows.
            self.postProcessor = nil
            let result = MHD_destroy_post_processor(postProcessor)
            if let error = postError {
                postError = nil
                return failAtEnd(error, connection: connection)
            }
            if result != .YES {
                let error = HTTPError(status: 400, "invalid multipart/form-data request body: it ends early")
                return failAtEnd(error, connection: connection)
            }
        }

        guard let receiver else {
            return .NO
        }
        if currentPart != nil {
            currentPart = nil
            do {
                try receiver.endPart()
            } catch {
                return failAtEnd(error, connection: connection)
            }
        }

        self.receiver = nil
        finishOffDaemonThread(receiver, connection: connection)
        return .YES
    }

    /// Runs the receiver's finish(), which may take seconds (probing files, for example), on a thread of its
    /// own while the connection is suspended, so that the other connections of this daemon thread go on. The
    /// daemon calls the access handler again after the resumption, and that call queues the response.
    private func finishOffDaemonThread(_ receiver: any HTTPBodyReceiver, connection: OpaquePointer) {
        phase = .finishing(nil)
        core.beginFinishing()
        MHD_suspend_connection(connection)

        // The daemon makes no call on a suspended connection, so this context is used by one thread at a time:
        // the worker below until it resumes the connection, then the daemon again.
        nonisolated(unsafe) let context = self
        nonisolated(unsafe) let receiver = receiver
        nonisolated(unsafe) let connection = connection
        let core = self.core
        Thread {
            let response = receiver.finish()
            context.phase = .finishing(response)
            MHD_resume_connection(connection)
            core.endFinishing()
        }.start()
    }

    /// Delivers post processor output to the receiver, starting a new part when the key or filename changes or
    /// when data at offset 0 follows data. The iterator can be called twice with offset 0 for one part, once with
    /// no data, so offset 0 alone does not mark a new part.
    ///
    /// NOTE: Two consecutive empty parts with the same name and filename reach the receiver as one part.
    func receivePostData(
        key: UnsafePointer<CChar>?,
        filename: UnsafePointer<CChar>?,
        contentType: UnsafePointer<CChar>?,
        data: UnsafePointer<CChar>?,
        offset: UInt64,
        size: Int
    ) -> MHD_Result {
        guard let receiver, postError == nil else {
            return .YES
        }

        let name = key.map { String(cString: $0) } ?? ""
        let partFilename = filename.map { String(cString: $0) }

        do {
            let isNewPart =
                currentPart.map { part in
                    part.name != name || part.filename != partFilename
                        || (offset == 0 && size > 0 && part.byteCount > 0)
                } ?? true
            if isNewPart {
                if currentPart != nil {
                    currentPart = nil
                    try receiver.endPart()
                }
                try receiver.beginPart(
                    name: name, filename: partFilename, contentType: contentType.map { String(cString: $0) })
                currentPart = Part(name: name, filename: partFilename, byteCount: 0)
            }

            if size > 0, let data {
                try receiver.receive(UnsafeRawBufferPointer(start: data, count: size))
                currentPart?.byteCount += size
            }
            return .YES
        } catch {
            postError = error
            return .NO
        }
    }

    // MARK: - Failure

    /// Handles an error while the body is still arriving: cancels the receiver, then drains the rest of the body
    /// and sends the error's response when the rest fits in maxDrainBytes.
    ///
    /// A longer rest is not read. On the first call the response is sent at once and the connection closes after
    /// it. On a later call the daemon cannot send a response before the body ends, so the connection closes
    /// without one.
    private func fail(_ error: any Error, firstCallConnection: OpaquePointer? = nil) -> MHD_Result {
        let response = response(for: error)
        cancelReceiver()

        guard let contentLength = request.contentLength, contentLength - bytesReceived > maxDrainBytes else {
            phase = .draining(response, budget: maxDrainBytes)
            return .YES
        }
        if let firstCallConnection {
            phase = .done
            return queueNow(response, connection: firstCallConnection)
        }
        closeWithoutResponse(discarding: response)
        return .NO
    }

    /// Handles an error after the whole body arrived: cancels the receiver and sends the error's response.
    private func failAtEnd(_ error: any Error, connection: OpaquePointer) -> MHD_Result {
        let response = response(for: error)
        cancelReceiver()
        phase = .done
        return queueNow(response, connection: connection)
    }

    private func response(for error: any Error) -> HTTPResponse {
        if let httpError = error as? HTTPError {
            return httpError.response
        }
        errorDescription = String(describing: error)
        return .internalServerError
    }

    private func closeWithoutResponse(discarding response: HTTPResponse) {
        response.discardBody()
        phase = .done
        if errorDescription == nil {
            errorDescription = "connection closed without a response: the rest of the body exceeds maxDrainBytes"
        }
    }

    /// Calls cancel() on the receiver unless finish() or cancel() was already called.
    private func cancelReceiver() {
        guard let receiver else {
            return
        }
        self.receiver = nil
        currentPart = nil

        // The iterator ignores data once the receiver is gone, so destroying the processor delivers nothing.
        if let postProcessor {
            self.postProcessor = nil
            _ = MHD_destroy_post_processor(postProcessor)
        }
        receiver.cancel()
    }

    private func queueNow(_ response: HTTPResponse, connection: OpaquePointer) -> MHD_Result {
        let outcome = queue(response, requestId: request.id, on: connection, core: core)
        queuedStatus = outcome.status
        return outcome.result
    }

    private func describe(_ code: MHD_RequestTerminationCode) -> String {
        switch code {
        case .REQUEST_TERMINATED_WITH_ERROR: return "error"
        case .REQUEST_TERMINATED_TIMEOUT_REACHED: return "timeout"
        case .REQUEST_TERMINATED_DAEMON_SHUTDOWN: return "server stopped"
        case .REQUEST_TERMINATED_READ_ERROR: return "read error"
        case .REQUEST_TERMINATED_CLIENT_ABORT: return "client closed the connection"
        default: return "termination code \(code.rawValue)"
        }
    }
}
