import { Arg, Authorized, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../auth/principal.js';
import { ProductService } from './product.service.js';
import { ProductFilter, ProductInput, ProductUpdateInput } from './product.input.js';
import { CategoryCount, Product, ProductConnection } from './product.type.js';
import { listComplexity } from '../graphql/query-complexity.js';

@Resolver(() => Product)
export class ProductResolver {
  constructor(private readonly productService: ProductService) {}

  @Query(() => Product, { nullable: true })
  product(@Arg('id', () => ID) id: string) {
    return this.productService.getById(id);
  }

  @Query(() => Product, { nullable: true })
  productBySku(@Arg('sku', () => String) sku: string) {
    return this.productService.getBySku(sku);
  }

  @Query(() => [CategoryCount], { description: 'Every category with its number of products, largest first.' })
  categories() {
    return this.productService.categories();
  }

  @Query(() => ProductConnection, { complexity: listComplexity('first', 20) })
  products(
    @Arg('filter', () => ProductFilter, { nullable: true }) filter: ProductFilter | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1–100 (default 20).' })
    first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ) {
    return this.productService.list(filter, first, after);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Product)
  addProduct(@Arg('input', () => ProductInput) input: ProductInput) {
    return this.productService.add(input);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => [Product], { description: 'Adds all products or, if any is invalid, none.' })
  addProducts(@Arg('inputs', () => [ProductInput]) inputs: ProductInput[]) {
    return this.productService.addMany(inputs);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Product)
  updateProduct(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => ProductUpdateInput) input: ProductUpdateInput,
  ) {
    return this.productService.update(id, input);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Boolean)
  deleteProduct(@Arg('id', () => ID) id: string) {
    return this.productService.delete(id);
  }
}
