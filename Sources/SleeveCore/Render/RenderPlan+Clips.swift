import Foundation

extension RenderPlan {
    /// High-quality scaler flags for the cover and for the RGB to YUV conversion.
    private static let scaleFlags = "lanczos+accurate_rnd+full_chroma_int"

    /// Returns the title card of a track, or nil when it has neither a title nor an artist to show.
    static func titleCard(for track: RenderTrack) -> TitleCard? {
        let card = TitleCard(title: track.title, artist: track.artist)
        return card.title.isEmpty && card.artist == nil ? nil : card
    }

    static func titleImage(card: TitleCard, clipIndex: Int, layout: TitleLayout, workDirectory: URL) -> TitleImage {
        let markupFileName = "title-\(clipIndex).txt"
        let imageFileName = "title-\(clipIndex).png"
        return TitleImage(
            card: card,
            markupFileName: markupFileName,
            markup: card.markup(titleSize: layout.titleSize, artistSize: layout.artistSize),
            imageFileName: imageFileName,
            pangoViewArguments: layout.pangoViewArguments(
                markupPath: workDirectory.appendingPathComponent(markupFileName).path,
                outputPath: workDirectory.appendingPathComponent(imageFileName).path
            )
        )
    }

    /// Estimated cost of a clip in seconds of work, used to weight progress.
    static func clipWeight(frameCount: Int, options: RenderOptions, background: RenderBackground, hasTitle: Bool)
        -> Double
    {
        // Estimates from ffmpeg 5.1 on a shared 2-core machine: a 1080p clip took about 0.3 s plus 6 ms per frame
        // with x264 ultrafast, and about 40% more per frame with veryfast. The blurred background and the title
        // overlay each added under 0.1 s of CPU time to a 1.4 s clip, and pango-view took about 0.2 s.
        let pixelScale = Double(options.width * options.height) / Double(1920 * 1080)
        let perFrame = options.videoQuality == .fast ? 0.006 : 0.0085
        var weight = 0.3 + Double(frameCount) * pixelScale * perFrame
        if background == .blur {
            weight += 0.1
        }
        if hasTitle {
            weight += 0.3
        }
        return weight
    }

    static func clipArguments(
        cover: CoverSource,
        frameCount: Int,
        options: RenderOptions,
        background: RenderBackground,
        titleImagePath: String?,
        titleLayout: TitleLayout,
        outputPath: String
    ) -> [String] {
        var input: [String]
        switch cover {
        case .image(let url):
            input = MediaProbe.imageInputFormatArguments + ["-i", absolutePath(url)]
        case .embedded(let audio):
            // NOTE: "[0:v:0]" is the file's first video stream, which is the attached picture in audio files. In a
            // file that also has a real video track before the picture, that track's first frame is used instead.
            input = MediaProbe.audioInputGuardArguments + ["-i", absolutePath(audio)]
        }
        if let titleImagePath {
            input += ["-i", titleImagePath]
        }

        // The cover is fitted inside the frame and drawn over the background in RGB, which applies any alpha.
        // The single composed frame is converted to BT.709 limited-range YUV 4:2:0 once, then repeated.
        var chains = backgroundChains(background, options: options)
        chains.append(
            "[fit]scale=w=\(options.width):h=\(options.height):force_original_aspect_ratio=decrease"
                + ":force_divisible_by=2:flags=\(scaleFlags),format=rgba[cover]")
        chains.append("[background][cover]overlay=x=(W-w)/2:y=(H-h)/2:format=rgb:shortest=1[composed]")
        var composedLabel = "composed"
        if titleImagePath != nil {
            chains += titleChains(layout: titleLayout, over: composedLabel, output: "titled")
            composedLabel = "titled"
        }
        chains.append(
            "[\(composedLabel)]trim=end_frame=1"
                + ",scale=out_color_matrix=bt709:out_range=tv:flags=\(scaleFlags),format=yuv420p"
                + ",loop=loop=\(frameCount - 1):size=1:start=0,setpts=N[video]")

        // One IDR frame then P-frames only, so the clip can be cut after any frame. The stitchable option keeps
        // the headers of different clips identical, so stream copy can join them.
        let x264Parameters =
            "keyint=\(frameCount):min-keyint=\(frameCount):scenecut=0:bframes=0:stitchable=1:repeat-headers=1"
        return commonArguments + input + [
            "-filter_complex", chains.joined(separator: ";"),
            "-map", "[video]",
            "-frames:v", "\(frameCount)",
            "-c:v", "libx264", "-preset", options.videoQuality.x264Preset, "-tune", "stillimage",
            // A constant quantizer skips rate-control analysis. With CRF 23, x264 5.1's P-frames kept refining
            // a still 1080p picture: the clip was 3.7 times larger and took about 20% more CPU time than at QP 20,
            // whose last frame measured 56 dB PSNR against the source.
            "-qp", "\(options.videoQuality.quantizer)",
            "-x264-params", x264Parameters,
            "-pix_fmt", "yuv420p",
            "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
            "-r", "\(options.fps)",
            "-an", "-f", "mp4", outputPath,
        ]
    }

    /// Builds filter chains that label the cover input "[fit]" and a full-frame RGB "[background]".
    private static func backgroundChains(_ background: RenderBackground, options: RenderOptions) -> [String] {
        let size = "\(options.width)x\(options.height)"
        switch background {
        case .colour(let hex):
            return [
                "[0:v:0]null[fit]",
                "color=c=0x\(hex):s=\(size):r=\(options.fps),format=rgb24[background]",
            ]
        case .blur:
            // The cover is scaled to fill a frame an eighth of the size, drawn over black (which applies any alpha),
            // blurred, darkened to half its brightness and scaled up. Blurring the small frame costs a
            // sixty-fourth of blurring the full one, and the bicubic upscale smooths it further.
            let smallWidth = max(2, options.width / 8)
            let smallHeight = max(2, options.height / 8)
            let sigma = max(1, Double(min(smallWidth, smallHeight)) / 10)
            return [
                "[0:v:0]split=2[fit][fill]",
                "[fill]scale=w=\(smallWidth):h=\(smallHeight):force_original_aspect_ratio=increase:flags=bicubic"
                    + ",crop=w=\(smallWidth):h=\(smallHeight),format=rgba[fillCover]",
                "color=c=black:s=\(smallWidth)x\(smallHeight):r=\(options.fps),format=rgb24[fillBase]",
                "[fillBase][fillCover]overlay=format=rgb:shortest=1,gblur=sigma=\(formatDecimal(sigma))"
                    + ",colorchannelmixer=rr=0.5:gg=0.5:bb=0.5"
                    + ",scale=w=\(options.width):h=\(options.height):flags=bicubic,format=rgb24[background]",
            ]
        }
    }

    /// Builds filter chains that draw the title PNG (input 1) with a soft shadow centred near the bottom of `input`.
    private static func titleChains(layout: TitleLayout, over input: String, output: String) -> [String] {
        // The PNG's transparent margin sits around the text, so the text's bottom edge is `margin` above the PNG's.
        let top = "H-h-\(max(0, layout.bottomOffset - layout.margin))"
        let offset = layout.shadowOffset
        return [
            "[1:v]format=rgba,split=2[titleText][titleCopy]",
            "[titleCopy]colorchannelmixer=rr=0:gg=0:bb=0:aa=0.8,gblur=sigma=\(formatDecimal(layout.shadowSigma))"
                + "[titleShadow]",
            "[\(input)][titleShadow]overlay=x=(W-w)/2+\(offset):y=\(top)+\(offset):format=rgb[shadowed]",
            "[shadowed][titleText]overlay=x=(W-w)/2:y=\(top):format=rgb[\(output)]",
        ]
    }
}
