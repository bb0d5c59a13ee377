/** 8-bit images to JPEG/PNG files with sharp (prebuilt libvips), written atomically. */
import { rename } from "node:fs/promises";
import sharp from "sharp";
import type { Gray8 } from "../ice/index.js";

async function encode(img: Gray8, file: string, format: "jpeg" | "png"): Promise<void> {
  if (img.width === 0 || img.height === 0) return;
  const tmp = `${file}.${process.pid}.tmp`;
  const s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 1 } });
  await (format === "jpeg" ? s.jpeg({ quality: 85 }) : s.png()).toFile(tmp);
  await rename(tmp, file);
}

/** Write a grey image as JPEG (quality 85). */
export const encodeJpeg = (img: Gray8, file: string): Promise<void> => encode(img, file, "jpeg");
/** Write a grey image as PNG. */
export const encodePng = (img: Gray8, file: string): Promise<void> => encode(img, file, "png");
