import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `sleeve render`: probes the tracks, resolves covers and titles as the server does, renders with the same
/// ``Renderer``, and reports progress on standard error.
public enum RenderCommand {
    public static let help = """
        Usage:
          sleeve render -o OUTPUT.mp4 [options] TRACK [TRACK …]
          sleeve render ALBUM.json -o OUTPUT.mp4 [options]

        Renders an album into one MP4: each track shows its cover while it plays.

        A TRACK is an audio file. Options that describe one track follow its file:
          --title TEXT     the track's title (default: the audio's title tag, then its file name)
          --artist TEXT    the track's artist (default: the audio's artist tag)
          --image FILE     the track's cover (default: the picture embedded in the audio, else --cover,
                           else the cover of the nearest earlier track, else of the nearest later one)

        Album options:
          -o, --output FILE  the MP4 to write (required)
          --cover FILE       one cover for every track without its own
          --preset NAME      1080p (1920×1080, default), 720p, 4k, vertical (1080×1920) or square (1080×1080)
          --width N, --height N
                             frame size in pixels, even numbers from 16 to 7680
          --fps N            frames per second, 1 to 120 (default 30)
          --background COLOUR|blur
                             what surrounds the fitted cover: a colour #RRGGBB or #RGB (default #000000),
                             or blur for the cover itself, scaled to fill the frame, blurred and darkened
          --show-titles      draw each track's title, and its artist when known, near the bottom of its cover
          --normalize        make the album's integrated loudness -14 LUFS (EBU R128) with one gain for the
                             whole album, keeping the true peak at most -1 dBTP
          --audio-bitrate N  AAC bit rate in kbit/s, 64 to 320 (default 192)
          --quality NAME     video speed and size: fast (default; quickest, largest), balanced or small
          --json             write progress as JSON lines on standard output, the events of the HTTP stream:
                             {"event":"progress","data":{"percent":12.5}}
          --force            overwrite OUTPUT when it exists
          --ffmpeg PATH, --ffprobe PATH
                             the media programs (default: found in PATH; also SLEEVE_FFMPEG, SLEEVE_FFPROBE)
          -h, --help         show this help

        ALBUM.json is the "meta" document of the HTTP API where each track also names its files, relative to
        the JSON file:
          {"album":"Live","cover":"front.jpg","tracks":[{"audio":"01.flac","title":"Intro"},{"audio":"02.flac"}]}
        Its output options use the names of the HTTP API: "background", "showTitles", "normalize",
        "audioBitrate" and "videoQuality". Flags win over the file.

        On a terminal a progress bar shows the percent, the current track, the elapsed time and an estimate
        of the time left; otherwise progress is written as plain lines. Ctrl-C stops ffmpeg and removes
        partial files. When done, the YouTube tracklist (one "0:00 Title" line per track) goes to standard
        output.

        Example:
          sleeve render -o album.mp4 --cover front.jpg 01-intro.flac --title "Intro" 02-song.mp3 03-outro.wav

        Exit status: 0 done, 1 render failed, 64 usage error, 65 unusable input file, 130 interrupted.
        """

    /// Runs the command and returns the process's exit status.
    public static func run(_ arguments: [String], environment: [String: String]) async -> Int32 {
        let request: RenderRequest
        do {
            request = try RenderRequest.parse(arguments, environment: environment)
        } catch {
            StandardError.write("sleeve render: \(error.message)\n")
            return 64
        }
        if request.showsHelp {
            print(help)
            return 0
        }

        let reporter = RenderReporter(writesJSON: request.writesJSON, isTerminal: isatty(2) == 1)
        let output = request.output!
        if FileManager.default.fileExists(atPath: output.path) && !request.overwrites {
            reporter.fail("\(output.path) already exists. Add --force to overwrite it.")
            return 64
        }

        let prepared: PreparedAlbum
        do {
            prepared = try PreparedAlbum(request: request, reporter: reporter)
        } catch let error as CommandLineError {
            reporter.fail(error.message)
            return 65
        } catch {
            reporter.fail("\(error)")
            return 65
        }

        let work = FileManager.default.temporaryDirectory.appendingPathComponent("sleeve-render-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }

        let renderer = Renderer(tools: request.tools)
        let tracks = prepared.tracks
        let options = request.options
        let render = Task {
            try await renderer.render(tracks: tracks, options: options, workDirectory: work, output: output) { event in
                reporter.report(event)
            }
        }
        let interruption = InterruptWatcher { render.cancel() }
        defer { interruption.stop() }

        do {
            let result = try await render.value
            let tracklist = Tracklist.youtube(
                titles: tracks.map(\.title), artists: tracks.map(\.artist), starts: result.trackStarts,
                totalDuration: result.duration)
            reporter.finish(output: output, duration: result.duration, tracklist: tracklist)
            return 0
        } catch is CancellationError {
            reporter.fail("Interrupted; ffmpeg was stopped and partial files were removed.")
            return 130
        } catch {
            reporter.fail("\(error)")
            return 1
        }
    }
}

/// The tracks of a render request, probed and with titles and covers resolved.
struct PreparedAlbum {
    var tracks: [RenderTrack]

    init(request: RenderRequest, reporter: RenderReporter) throws {
        let probe = MediaProbe(tools: request.tools)
        var infos: [AudioInfo] = []
        for track in request.tracks {
            guard FileManager.default.isReadableFile(atPath: track.audio.path) else {
                throw CommandLineError("\(track.audio.path) does not exist or cannot be read.")
            }
            do {
                infos.append(try probe.probeAudio(at: track.audio))
            } catch let error as MediaProbeError {
                throw CommandLineError(
                    "\(track.audio.path) is not audio Sleeve can read (\(AlbumSubmission.reason(of: error.message))). Use MP3, AAC/M4A, ALAC, FLAC, WAV, Ogg Vorbis, Opus or AIFF."
                )
            }
        }

        var imageChecks: [URL: Bool] = [:]
        func checkedImage(_ url: URL) throws -> URL {
            if imageChecks[url] == nil {
                guard FileManager.default.isReadableFile(atPath: url.path) else {
                    throw CommandLineError("\(url.path) does not exist or cannot be read.")
                }
                do {
                    _ = try probe.probeImage(at: url)
                } catch let error as MediaProbeError {
                    throw CommandLineError(
                        "\(url.path) is not an image Sleeve can read (\(AlbumSubmission.reason(of: error.message))). Use JPEG, PNG or WebP."
                    )
                }
                imageChecks[url] = true
            }
            return url
        }

        let albumCover = try request.cover.map(checkedImage)
        var ownCovers: [CoverSource?] = []
        for (index, track) in request.tracks.enumerated() {
            if let image = track.image {
                ownCovers.append(.image(try checkedImage(image)))
            } else if infos[index].hasEmbeddedCover {
                ownCovers.append(.embedded(audio: track.audio))
            } else {
                ownCovers.append(albumCover.map(CoverSource.image))
            }
        }
        guard let covers = CoverFallback.resolve(ownCovers) else {
            throw CommandLineError(
                "No track has a cover: add --cover FILE for the whole album, or --image FILE after a track.")
        }

        tracks = request.tracks.indices.map { index in
            let track = request.tracks[index]
            let info = infos[index]
            let fileTitle = track.audio.deletingPathExtension().lastPathComponent
            return RenderTrack(
                audio: track.audio, cover: covers[index],
                title: track.title ?? info.title.flatMap { $0.isEmpty ? nil : $0 } ?? fileTitle,
                artist: track.artist ?? info.artist.flatMap { $0.isEmpty ? nil : $0 },
                duration: info.duration, sampleRate: info.sampleRate)
        }
        reporter.prepared(tracks)
    }
}
