import { Field, InputType } from 'type-graphql';

@InputType({
  description: 'A photo: exactly one of an http(s) URL the service fetches, or the bytes in base64.',
})
export class ImageInput {
  @Field(() => String, {
    nullable: true,
    description: 'http(s) URL of a JPEG, PNG, WebP, GIF, AVIF or TIFF image.',
  })
  url?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The image bytes, base64 (a data: URL is accepted too).',
  })
  base64?: string | null;
}
