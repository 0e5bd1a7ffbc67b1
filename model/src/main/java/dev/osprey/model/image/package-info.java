/**
 * Images as the reference sees them: decoding PNG and JPEG bytes to 8-bit RGB exactly as Pillow's
 * {@code Image.open(...).convert('RGB')} (plus Exif orientation and a pixel limit), Pillow's
 * fixed-point bicubic resize, and the preprocessing of spec §1.4 that turns an image into the vision
 * tower's {@code pixel_values}.
 *
 * @see dev.osprey.model.image.ImageDecoder
 * @see dev.osprey.model.image.PillowResize
 * @see dev.osprey.model.image.ImagePreprocessor
 */
package dev.osprey.model.image;
