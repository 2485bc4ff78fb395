/// The OpenAPI 3.0.3 description of Sleeve's HTTP API, served at `GET /api/openapi.json`.
///
/// `Tests/API/fuzz_api.py` runs schemathesis against the live server with this document, so a route, status,
/// content type or JSON field changed in the API must change here too.
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.0.3",
          "info": {
            "title": "Sleeve",
            "version": "0.1.0",
            "description": "Sleeve turns an album (audio tracks and cover images) into one MP4 video. Every error answer is JSON of the form {\"error\": message, \"field\": name}, where field names the form field or meta path at fault and is often absent. A method that a path does not list gets 405 with an Allow header. Every GET also accepts HEAD. Every response carries an X-Request-Id header."
          },
          "servers": [{"url": "/"}],
          "tags": [
            {"name": "render", "description": "Album renders and their results"},
            {"name": "probe", "description": "File inspection for the web page"},
            {"name": "operations", "description": "Health, readiness and metrics"},
            {"name": "page", "description": "The web page and this document"}
          ],
          "paths": {
            "/api/render": {
              "post": {
                "tags": ["render"],
                "operationId": "startRender",
                "summary": "Upload an album and queue its render",
                "description": "Checks run in this order: size (413), body type (415), meta and the set of files (400), file content probed with ffprobe (415 for audio that is not audio or an image that is not an image, 400 for a cover over --max-image-megapixels, a track over --max-track-minutes, an album over --max-album-minutes or an album without any cover), then the queue's capacity (429). A rejected request leaves no files and no job behind.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "multipart/form-data": {
                      "schema": {"$ref": "#/components/schemas/RenderForm"},
                      "encoding": {
                        "meta": {"contentType": "text/plain"},
                        "audio_0": {"contentType": "application/octet-stream"},
                        "image_0": {"contentType": "application/octet-stream"}
                      }
                    }
                  }
                },
                "responses": {
                  "202": {
                    "description": "The files are stored and checked, and the job is queued.",
                    "headers": {"Location": {"$ref": "#/components/headers/Location"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RenderAccepted"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "429": {"$ref": "#/components/responses/QueueFull"},
                  "500": {"$ref": "#/components/responses/InternalError"},
                  "503": {"$ref": "#/components/responses/Unavailable"},
                  "507": {"$ref": "#/components/responses/InsufficientStorage"}
                }
              }
            },
            "/api/render/{jobId}": {
              "parameters": [{"$ref": "#/components/parameters/JobId"}],
              "get": {
                "tags": ["render"],
                "operationId": "getJobStatus",
                "summary": "Read a job's state",
                "responses": {
                  "200": {
                    "description": "The job's state. Sent with Cache-Control: no-store.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobStatus"}}}
                  },
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              },
              "delete": {
                "tags": ["render"],
                "operationId": "cancelJob",
                "summary": "Cancel a queued or running job",
                "description": "ffmpeg stops, the job's files are removed, and the event stream ends with an error event.",
                "responses": {
                  "204": {"description": "The job is cancelled, now or earlier."},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/render/{jobId}/log": {
              "parameters": [{"$ref": "#/components/parameters/JobId"}],
              "get": {
                "tags": ["render"],
                "operationId": "followJobEvents",
                "summary": "Follow a job's events as Server-Sent Events",
                "description": "Every event has an id. The stream sends the events after Last-Event-ID (or the lastEventId query parameter), then new ones as they happen, with a comment line at least every 15 s while the job runs. It closes after the job's final event (done or error), so for a finished job it replays the history and ends at once. Events: log (a line of text), progress (JSON with percent, and step, index and total at track and concat boundaries), done (JSON with downloadUrl and tracklist) and error (a plain-text message).",
                "parameters": [
                  {
                    "name": "Last-Event-ID",
                    "in": "header",
                    "required": false,
                    "description": "The id of the last event the client has; a value that is not a whole number counts as 0.",
                    "schema": {"type": "string"}
                  },
                  {
                    "name": "lastEventId",
                    "in": "query",
                    "required": false,
                    "description": "Used when the Last-Event-ID header is absent or not a whole number.",
                    "schema": {"type": "integer", "format": "int64"}
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The event stream, sent with chunked transfer encoding and Cache-Control: no-cache.",
                    "content": {"text/event-stream": {"schema": {"$ref": "#/components/schemas/JobEvent"}}}
                  },
                  "204": {"description": "The client already has the job's final event, so an EventSource stops reconnecting."},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/render/{jobId}/download": {
              "parameters": [{"$ref": "#/components/parameters/JobId"}],
              "get": {
                "tags": ["render"],
                "operationId": "downloadVideo",
                "summary": "Download the rendered MP4",
                "description": "The file name in Content-Disposition comes from the album, or else from the first track's title. A Range header with one range is served with 206. A Range with another unit, several ranges or bad syntax is ignored, and the whole file is sent.",
                "parameters": [
                  {
                    "name": "Range",
                    "in": "header",
                    "required": false,
                    "description": "One byte range: bytes=a-b, bytes=a- or bytes=-n.",
                    "schema": {"type": "string"},
                    "examples": {
                      "firstKibibyte": {"value": "bytes=0-1023"},
                      "lastBytes": {"value": "bytes=-100"},
                      "pastTheEnd": {"summary": "Gets 416", "value": "bytes=1000000000-"}
                    }
                  },
                  {
                    "name": "If-Range",
                    "in": "header",
                    "required": false,
                    "description": "An ETag; the Range header is honoured only when it matches the video's current ETag.",
                    "schema": {"type": "string"}
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The whole video.",
                    "headers": {
                      "Content-Disposition": {"$ref": "#/components/headers/ContentDisposition"},
                      "Accept-Ranges": {"$ref": "#/components/headers/AcceptRanges"},
                      "ETag": {"$ref": "#/components/headers/ETag"}
                    },
                    "content": {"video/mp4": {"schema": {"type": "string", "format": "binary"}}}
                  },
                  "206": {
                    "description": "The requested range of the video.",
                    "headers": {
                      "Content-Range": {"description": "bytes first-last/total", "schema": {"type": "string"}},
                      "Content-Disposition": {"$ref": "#/components/headers/ContentDisposition"},
                      "Accept-Ranges": {"$ref": "#/components/headers/AcceptRanges"},
                      "ETag": {"$ref": "#/components/headers/ETag"}
                    },
                    "content": {"video/mp4": {"schema": {"type": "string", "format": "binary"}}}
                  },
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "410": {"$ref": "#/components/responses/Gone"},
                  "416": {
                    "description": "No byte of the requested range exists.",
                    "headers": {"Content-Range": {"description": "bytes */total", "schema": {"type": "string"}}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  },
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/render/{jobId}/tracklist.txt": {
              "parameters": [{"$ref": "#/components/parameters/JobId"}],
              "get": {
                "tags": ["render"],
                "operationId": "getTracklist",
                "summary": "Read the tracklist in YouTube's description format",
                "responses": {
                  "200": {
                    "description": "One line per track: m:ss Title, or h:mm:ss Title for albums of an hour or more, with Artist - Title where the track has an artist.",
                    "content": {"text/plain": {"schema": {"type": "string"}, "example": "0:00 Intro\n3:03 Band - Outro\n"}}
                  },
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/probe": {
              "post": {
                "tags": ["probe"],
                "operationId": "probeFile",
                "summary": "Describe one audio file or image without keeping it",
                "requestBody": {
                  "required": true,
                  "content": {
                    "multipart/form-data": {
                      "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                          "file": {"type": "string", "format": "binary", "description": "The file to describe, at most --max-file-mb MiB. Any other field name is rejected with 400."}
                        }
                      },
                      "encoding": {"file": {"contentType": "application/octet-stream"}}
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "What the file is.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ProbeResult"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "500": {"$ref": "#/components/responses/InternalError"},
                  "503": {"$ref": "#/components/responses/Unavailable"},
                  "507": {"$ref": "#/components/responses/InsufficientStorage"}
                }
              }
            },
            "/healthz": {
              "get": {
                "tags": ["operations"],
                "operationId": "checkLiveness",
                "summary": "Liveness: 200 while the server runs",
                "responses": {
                  "200": {
                    "description": "The server runs.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}
                  }
                }
              }
            },
            "/readyz": {
              "get": {
                "tags": ["operations"],
                "operationId": "checkReadiness",
                "summary": "Readiness: the job store answers and ffmpeg and ffprobe are executable",
                "responses": {
                  "200": {
                    "description": "The server can take albums.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ready"}}}
                  },
                  "503": {
                    "description": "The server cannot take albums now, also while it shuts down.",
                    "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Unready"}}}
                  }
                }
              }
            },
            "/metrics": {
              "get": {
                "tags": ["operations"],
                "operationId": "getMetrics",
                "summary": "Metrics in the Prometheus text format 0.0.4",
                "responses": {
                  "200": {
                    "description": "sleeve_http_requests_total, sleeve_http_request_duration_seconds, sleeve_render_duration_seconds, sleeve_jobs, sleeve_queue_length, sleeve_sse_clients, sleeve_uploaded_bytes_total and sleeve_downloaded_bytes_total.",
                    "content": {"text/plain": {"schema": {"type": "string"}}}
                  },
                  "500": {"$ref": "#/components/responses/InternalError"}
                }
              }
            },
            "/api/openapi.json": {
              "get": {
                "tags": ["page"],
                "operationId": "getOpenAPIDocument",
                "summary": "This OpenAPI document",
                "responses": {
                  "200": {
                    "description": "The OpenAPI 3.0.3 document.",
                    "content": {"application/json": {"schema": {"type": "object"}}}
                  }
                }
              }
            },
            "/": {
              "get": {
                "tags": ["page"],
                "operationId": "getWebPage",
                "summary": "The web page",
                "description": "The page's other files (.css, .js, .svg, .png, .ico, .json, .txt) are served from the same folder by their names. A path with a hidden or empty segment, an unknown extension or a missing file gets 404.",
                "responses": {
                  "200": {
                    "description": "index.html of the --public-dir folder.",
                    "content": {"text/html": {"schema": {"type": "string"}}}
                  },
                  "404": {"$ref": "#/components/responses/NotFound"}
                }
              }
            }
          },
          "components": {
            "parameters": {
              "JobId": {
                "name": "jobId",
                "in": "path",
                "required": true,
                "description": "The job's id, a UUID. An id that is not a UUID gets 404, like an unknown one. Upper-case ids name the same job.",
                "schema": {"type": "string", "format": "uuid"},
                "example": "0f9c2b9e-5d0e-4c5a-9a57-3b1f6f0e2d11"
              }
            },
            "headers": {
              "RetryAfter": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer", "minimum": 0}},
              "Location": {"description": "The job's status URL, /api/render/{jobId}.", "schema": {"type": "string"}},
              "Allow": {"description": "The methods the path accepts.", "schema": {"type": "string"}},
              "ContentDisposition": {"description": "attachment, with the file name as filename and filename*.", "schema": {"type": "string"}},
              "AcceptRanges": {"description": "Always bytes.", "schema": {"type": "string", "enum": ["bytes"]}},
              "ETag": {"description": "A strong validator made of the file's modification time and length.", "schema": {"type": "string"}}
            },
            "responses": {
              "BadRequest": {
                "description": "The request is malformed: a multipart body without a boundary or that ends early, a meta field that is missing, not JSON or out of range, a missing audio file, a file for a track that does not exist, an unknown field name, an empty file, a cover with too many pixels, a track or album that lasts too long, or an album without any cover.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              },
              "NotFound": {
                "description": "No such job, file or endpoint.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              },
              "MethodNotAllowed": {
                "description": "The path does not accept this method. Sent for methods that this document does not list on a path.",
                "headers": {"Allow": {"$ref": "#/components/headers/Allow"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              },
              "Conflict": {
                "description": "The job is in the wrong state: not done yet (download, tracklist) or already ended (cancel).",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              },
              "Gone": {
                "description": "The video was removed after the retention period.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              },
              "PayloadTooLarge": {
                "description": "A file is over --max-file-mb, the request is over --max-total-mb, or meta is over 1 MiB. When Content-Length already says so, the answer comes before the body is read and the connection closes.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              },
              "UnsupportedMediaType": {
                "description": "The body is not multipart/form-data, or a file's content is not what its field asks for. Files are judged by content, never by name or declared type.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              },
              "QueueFull": {
                "description": "The queue holds --max-queued jobs already.",
                "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              },
              "InternalError": {
                "description": "The server failed; the error is logged with the request id.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              },
              "Unavailable": {
                "description": "The server shuts down (with Retry-After), the job store is not available, or ffprobe failed to run.",
                "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              },
              "InsufficientStorage": {
                "description": "The server has no disk space left for the upload, or would keep less than --min-free-mb free.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              }
            },
            "schemas": {
              "JobEvent": {
            "type": "object",
            "description": "One event of the stream; in OpenAPI 3.0 the schema of a text/event-stream response describes each event. The stream starts with retry: 2000 on its own.",
            "required": ["event", "data"],
            "properties": {
              "id": {"type": "string", "pattern": "^[0-9]+$", "description": "Increases through the job's history; send it back as Last-Event-ID."},
              "event": {"type": "string", "enum": ["log", "progress", "done", "error"]},
              "data": {"type": "string", "description": "log and error: text. progress: JSON {\"percent\": p} with step (segment or concat), index and total at track and concat boundaries. done: JSON {\"downloadUrl\": url, \"tracklist\": text}."},
              "retry": {"type": "integer", "minimum": 0}
            }
          },
          "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                  "error": {"type": "string", "description": "What failed and what to do next."},
                  "field": {"type": "string", "description": "The form field or meta path at fault, such as audio_2 or meta.tracks[0].title."}
                }
              },
              "RenderForm": {
                "type": "object",
                "required": ["meta", "audio_0"],
                "description": "Track N (0 to 99) needs a file audio_N and may have a cover image_N, with N written without leading zeros. Fields other than meta, audio_N and image_N are rejected with 400, and so is a field sent twice.",
                "properties": {
                  "meta": {
                    "type": "string",
                    "description": "A JSON object, at most 1 MiB: tracks (required, 1 to 100 objects with optional title and artist strings of up to 500 characters), width and height (even whole numbers from 16 to 7680, default 1920 and 1080), fps (a whole number from 1 to 120, default 30), album (a string), background (#RRGGBB, #RGB or blur; default #000000), showTitles and normalize (booleans, default false), audioBitrate (64 to 320 kbit/s, default 192) and videoQuality (fast, balanced or small; default fast). Unknown keys are ignored.",
                    "example": "{\"tracks\":[{\"title\":\"Intro\"}],\"album\":\"Demo\"}"
                  },
                  "audio_0": {
                    "type": "string",
                    "format": "binary",
                    "description": "Track 0's audio: MP3, AAC/M4A, ALAC, FLAC, WAV, Ogg Vorbis, Opus or AIFF. audio_1 to audio_99 follow the same rule."
                  },
                  "image_0": {
                    "type": "string",
                    "format": "binary",
                    "description": "Track 0's cover: JPEG, PNG or WebP of at most --max-image-megapixels (100 by default). image_1 to image_99 follow the same rule. A track without one uses its audio's embedded picture, else the nearest earlier track's cover, else the nearest later one."
                  }
                },
                "additionalProperties": {
                  "type": "string",
                  "format": "binary",
                  "description": "audio_N or image_N for N from 1 to 99."
                }
              },
              "RenderAccepted": {
                "type": "object",
                "required": ["jobId", "statusUrl", "logUrl"],
                "properties": {
                  "jobId": {"type": "string", "format": "uuid"},
                  "statusUrl": {"type": "string", "description": "/api/render/{jobId}"},
                  "logUrl": {"type": "string", "description": "/api/render/{jobId}/log"}
                }
              },
              "JobStatus": {
                "type": "object",
                "required": ["jobId", "status", "percent", "createdAt", "expired", "attempts", "width", "height", "fps", "duration", "tracks"],
                "properties": {
                  "jobId": {"type": "string", "format": "uuid"},
                  "status": {"type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"]},
                  "percent": {"type": "number", "minimum": 0, "maximum": 100, "description": "Never decreases."},
                  "queuePosition": {"type": "integer", "minimum": 1, "description": "Present while the job is queued; 1 renders next."},
                  "error": {"type": "string", "description": "Present when the job failed or was cancelled."},
                  "createdAt": {"type": "string", "format": "date-time"},
                  "startedAt": {"type": "string", "format": "date-time", "description": "Present once the render has started."},
                  "finishedAt": {"type": "string", "format": "date-time", "description": "Present once the job has ended."},
                  "album": {"type": "string"},
                  "width": {"type": "integer"},
                  "height": {"type": "integer"},
                  "fps": {"type": "integer"},
                  "background": {"type": "string", "description": "#RRGGBB or blur."},
                  "audioBitrate": {"type": "integer", "description": "AAC bit rate in kbit/s."},
                  "showTitles": {"type": "boolean"},
                  "normalize": {"type": "boolean"},
                  "videoQuality": {"type": "string", "enum": ["fast", "balanced", "small"]},
                  "duration": {"type": "number", "minimum": 0, "description": "The sum of the tracks' durations, in seconds."},
                  "tracks": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": ["title", "duration"],
                      "properties": {
                        "title": {"type": "string"},
                        "artist": {"type": "string"},
                        "duration": {"type": "number", "minimum": 0, "description": "The decoded length in seconds."},
                        "start": {"type": "number", "minimum": 0, "description": "Seconds from the video's start; present once the render has placed the track."}
                      }
                    }
                  },
                  "tracklist": {"type": "string", "description": "Present when the job is done."},
                  "downloadUrl": {"type": "string", "description": "Present when the job is done and the video has not expired."},
                  "expired": {"type": "boolean", "description": "True once the video has been removed after --retention-minutes."},
                  "attempts": {"type": "integer", "minimum": 0, "description": "Render attempts so far, counting restarts after the server stopped."}
                }
              },
              "ProbeResult": {
                "oneOf": [{"$ref": "#/components/schemas/AudioProbe"}, {"$ref": "#/components/schemas/ImageProbe"}]
              },
              "AudioProbe": {
                "type": "object",
                "required": ["kind", "duration"],
                "description": "Absent fields are unknown.",
                "properties": {
                  "kind": {"type": "string", "enum": ["audio"]},
                  "duration": {"type": "number", "minimum": 0, "description": "Seconds."},
                  "title": {"type": "string"},
                  "artist": {"type": "string"},
                  "album": {"type": "string"},
                  "trackNumber": {"type": "integer"},
                  "cover": {"type": "string", "pattern": "^data:image/jpeg;base64,", "description": "The embedded picture as a JPEG data URL, scaled to fit 320×320."}
                }
              },
              "ImageProbe": {
                "type": "object",
                "required": ["kind", "width", "height"],
                "properties": {
                  "kind": {"type": "string", "enum": ["image"]},
                  "width": {"type": "integer", "minimum": 1},
                  "height": {"type": "integer", "minimum": 1}
                }
              },
              "Health": {
                "type": "object",
                "required": ["status"],
                "properties": {"status": {"type": "string", "enum": ["ok"]}}
              },
              "Ready": {
                "type": "object",
                "required": ["status"],
                "properties": {"status": {"type": "string", "enum": ["ready"]}}
              },
              "Unready": {
                "type": "object",
                "required": ["status", "error"],
                "properties": {
                  "status": {"type": "string", "enum": ["unavailable"]},
                  "error": {"type": "string", "description": "The reasons, separated by semicolons."}
                }
              }
            }
          }
        }
        """#
}
