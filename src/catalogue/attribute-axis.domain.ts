export interface AttributeAxis {
  readonly name: string;
  readonly position: number;
  readonly description: string;
  readonly minValue: number;
  readonly maxValue: number;
}
