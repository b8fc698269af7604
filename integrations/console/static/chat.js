// The console's chat page: sends a turn, draws its progress (tool chips) as the server streams it, then the reply.
// Plain browser JavaScript, no build step and no third-party code; the server renders Markdown to safe HTML.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("config").textContent);
  const t = config.t;
  const messages = document.getElementById("messages");
  const notice = document.getElementById("notice");
  const input = document.getElementById("text");
  const sendButton = document.getElementById("send");
  const audioInput = document.getElementById("audio");
  const recordButton = document.getElementById("record");
  const CONVERSATION_KEY = "copilot.conversation." + config.userId;
  let busy = false;

  function newId() {
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }

  function conversationId() {
    let id = sessionStorage.getItem(CONVERSATION_KEY);
    if (!id) {
      id = "web-" + newId();
      sessionStorage.setItem(CONVERSATION_KEY, id);
    }
    return id;
  }

  function showNotice(text, signIn) {
    notice.textContent = text;
    if (signIn) {
      const link = document.createElement("a");
      link.href = "/login";
      link.textContent = " → " + t.sign_in;
      notice.appendChild(link);
    }
    notice.hidden = false;
  }

  function clearNotice() {
    notice.hidden = true;
    notice.textContent = "";
  }

  function addMessage(kind, text) {
    const box = document.createElement("div");
    box.className = "msg " + kind;
    const who = document.createElement("div");
    who.className = "who";
    who.textContent = kind === "user" ? t.you : t.copilot;
    box.appendChild(who);
    if (kind === "bot") {
      const chips = document.createElement("div");
      chips.className = "chips";
      box.appendChild(chips);
    }
    const body = document.createElement("div");
    body.className = "body";
    if (kind === "bot") {
      body.classList.add("pending");
    }
    body.textContent = text;
    box.appendChild(body);
    messages.appendChild(box);
    messages.scrollTop = messages.scrollHeight;
    return box;
  }

  function describeArgs(args) {
    return Object.entries(args || {})
      .map(([k, v]) => k + "=" + (typeof v === "object" ? JSON.stringify(v) : String(v)))
      .join(" ");
  }

  function addChip(box, name, args) {
    const chip = document.createElement("span");
    chip.className = "chip running";
    chip.dataset.tool = name;
    chip.textContent = "⚙ " + name + " " + describeArgs(args) + " · " + t.running;
    box.querySelector(".chips").appendChild(chip);
  }

  function finishChip(box, record) {
    let chip = box.querySelector('.chip.running[data-tool="' + CSS.escape(record.name) + '"]');
    if (!chip) {
      addChip(box, record.name, record.args);
      chip = box.querySelector(".chip.running:last-child");
    }
    // ok = ran; not ok with an error = failed; not ok without one = stopped to ask the user for a detail.
    const state = record.ok ? "ok" : record.error ? "failed" : "asked";
    chip.className = "chip " + state;
    chip.textContent = {ok: "✓ ", failed: "✗ ", asked: "? "}[state] + record.name + " " + describeArgs(record.args) +
      (state === "ok" ? "" : " · " + t[state]);
    if (record.error) {
      chip.title = record.error;
    }
  }

  function showReply(box, view) {
    const body = box.querySelector(".body");
    body.classList.remove("pending");
    body.innerHTML = view.html; // rendered and escaped on the server (no raw HTML, no images)
    const chips = box.querySelector(".chips");
    if (!chips.children.length) {
      (view.tool_calls || []).forEach((record) => finishChip(box, record));
    }
    (view.attachments || []).forEach((a) => {
      if (a.kind === "chart") {
        const img = document.createElement("img");
        img.className = "chart";
        img.src = a.url;
        img.alt = a.title;
        img.title = a.title;
        box.appendChild(img);
      } else {
        const link = document.createElement("a");
        link.className = "file";
        link.href = a.url;
        link.download = a.name || "";
        link.textContent = "📎 " + a.title;
        const line = document.createElement("div");
        line.appendChild(link);
        box.appendChild(line);
      }
    });
    if (view.confirmation) {
      addConfirmButtons(box, view.confirmation);
    }
    if (view.conversation_id) {
      sessionStorage.setItem(CONVERSATION_KEY, view.conversation_id);
    }
    messages.scrollTop = messages.scrollHeight;
  }

  // A side effect waiting for the user's yes: two buttons that send the answer as a message (used once).
  function addConfirmButtons(box, c) {
    const line = document.createElement("div");
    line.className = "confirm";
    [[c.yes_label, c.yes_text, ""], [c.no_label, c.no_text, "secondary"]].forEach(([label, text, style]) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      if (style) {
        button.className = style;
      }
      button.addEventListener("click", () => {
        line.querySelectorAll("button").forEach((b) => { b.disabled = true; });
        ask(text);
      });
      line.appendChild(button);
    });
    box.appendChild(line);
  }

  function showError(box, text, status) {
    const body = box.querySelector(".body");
    body.classList.remove("pending");
    body.classList.add("error");
    body.textContent = text;
    if (status === 401) {
      showNotice(t.signed_out, true);
    }
  }

  async function errorText(response) {
    try {
      const data = await response.json();
      return data.error || t.network;
    } catch (e) {
      return t.network;
    }
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    recordButton.disabled = value && !recorder;
  }

  function handleEvent(box, kind, data) {
    if (kind === "tool_start") {
      addChip(box, data.name, data.args);
    } else if (kind === "tool_end") {
      finishChip(box, data);
    } else if (kind === "reply") {
      showReply(box, data);
    } else if (kind === "error") {
      showError(box, data.error);
    }
  }

  async function ask(text) {
    clearNotice();
    addMessage("user", text);
    const box = addMessage("bot", t.thinking);
    setBusy(true);
    try {
      const response = await fetch("/console/api/chat", {
        method: "POST",
        headers: {"Content-Type": "application/json", "Accept": "text/event-stream"},
        body: JSON.stringify({text: text, conversation_id: conversationId(), message_id: "web-" + newId()}),
      });
      if (!response.ok) {
        showError(box, await errorText(response), response.status);
        return;
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const {value, done} = await reader.read();
        if (done) {
          break;
        }
        buffer += decoder.decode(value, {stream: true});
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let kind = "message";
          let data = "";
          block.split("\n").forEach((line) => {
            if (line.startsWith("event: ")) {
              kind = line.slice(7);
            } else if (line.startsWith("data: ")) {
              data += line.slice(6);
            }
          });
          handleEvent(box, kind, data ? JSON.parse(data) : {});
        }
      }
    } catch (e) {
      showError(box, t.network);
    } finally {
      setBusy(false);
      input.focus();
    }
  }

  async function sendVoice(blob, name) {
    clearNotice();
    addMessage("user", "🎙 " + name);
    const box = addMessage("bot", t.transcribing);
    setBusy(true);
    const form = new FormData();
    form.append("file", blob, name);
    form.append("conversation_id", conversationId());
    try {
      const response = await fetch("/console/api/voice", {method: "POST", body: form});
      if (!response.ok) {
        showError(box, await errorText(response), response.status);
        return;
      }
      showReply(box, await response.json());
    } catch (e) {
      showError(box, t.network);
    } finally {
      setBusy(false);
    }
  }

  function checkAudio(file) {
    const dot = file.name.lastIndexOf(".");
    const ext = dot >= 0 ? file.name.slice(dot).toLowerCase() : "";
    if (!config.audioTypes.includes(ext)) {
      return t.bad_type.replace("{name}", file.name);
    }
    if (file.size > config.maxAudioMb * 1000000) {
      return t.too_big.replace("{size}", (file.size / 1000000).toFixed(1)).replace("{limit}", config.maxAudioMb);
    }
    return null;
  }

  document.getElementById("ask").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (busy) {
      return;
    }
    if (!text) {
      showNotice(t.empty);
      return;
    }
    input.value = "";
    ask(text);
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      document.getElementById("ask").requestSubmit();
    }
  });

  audioInput.addEventListener("change", () => {
    const file = audioInput.files[0];
    audioInput.value = "";
    if (!file || busy) {
      return;
    }
    const problem = checkAudio(file);
    if (problem) {
      showNotice(problem);
      return;
    }
    sendVoice(file, file.name);
  });

  let recorder = null;
  recordButton.addEventListener("click", async () => {
    if (recorder) {
      recorder.stop();
      return;
    }
    if (!navigator.mediaDevices || !window.MediaRecorder) {
      showNotice(t.no_mic);
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({audio: true});
    } catch (e) {
      showNotice(t.no_mic);
      return;
    }
    const chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", (event) => chunks.push(event.data));
    recorder.addEventListener("stop", () => {
      stream.getTracks().forEach((track) => track.stop());
      const type = recorder.mimeType || "audio/webm";
      const ext = type.includes("ogg") ? ".ogg" : type.includes("mp4") ? ".m4a" : ".webm";
      recorder = null;
      recordButton.textContent = t.record;
      recordButton.classList.add("secondary");
      sendVoice(new Blob(chunks, {type: type}), "recording" + ext);
    });
    recorder.start();
    recordButton.textContent = "■ " + t.stop;
    recordButton.classList.remove("secondary");
  });

  document.getElementById("new-chat").addEventListener("click", () => {
    sessionStorage.removeItem(CONVERSATION_KEY);
    messages.textContent = "";
    clearNotice();
    input.focus();
  });

  input.focus();
})();
