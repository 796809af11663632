() => setTimeout(() => {
  // Scroll the chat (only the chat, not the page) so the newest question or notice is at its top,
  // just below the chat's own buttons.
  const marks = document.querySelectorAll('#pqa-chat .pqa-question, #pqa-chat .pqa-notice');
  const last = marks[marks.length - 1];
  let box = last && last.parentElement;
  while (box && !/(auto|scroll)/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
  if (box) box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top - 44;
}, 150)
